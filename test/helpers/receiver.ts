/** Test access to the recording webhook receiver (test/support/recording-receiver.ts) behind host `receiver.test`. */
import { unique } from "./api";

export const RECEIVER_ORIGIN = "https://receiver.test";

import type { RecordedRequest } from "../support/recording-receiver";

/** What the receiver recorded of one request (the receiver's own record). */
export type ReceivedRequest = RecordedRequest;

export class ReceiverInbox {
  readonly name = unique("inbox");
  /** the URL to subscribe: requests to it are recorded in this inbox */
  get url() {
    return `${RECEIVER_ORIGIN}/${this.name}/hook`;
  }
  async requests(): Promise<ReceivedRequest[]> {
    const res = await fetch(`${RECEIVER_ORIGIN}/__receiver/${this.name}`);
    return ((await res.json()) as { requests: ReceivedRequest[] }).requests;
  }
  /** the next `count` requests answer `status` */
  async failNext(count: number, status = 500): Promise<void> {
    const res = await fetch(`${RECEIVER_ORIGIN}/__receiver/${this.name}/fail`, { method: "POST", body: JSON.stringify({ count, status }) });
    if (res.status !== 204) throw new Error(`receiver control answered ${res.status}`);
  }
}
