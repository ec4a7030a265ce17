/** The console's whole stylesheet, served as a static asset (the CSP allows no inline styles). */
export const CONSOLE_CSS = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--accent:#0b5cad;--accent-fg:#fff;--danger:#b42318;
--ok:#1a7f37;--warn:#9a6700;--info:#0b5cad;--drift:#8250df;--radius:6px;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
*{box-sizing:border-box}
body{margin:0}
a{color:var(--accent)}
:focus-visible{outline:3px solid #f4b400;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:var(--fg);color:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:0}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;justify-content:space-between;padding:.6rem 1.25rem;background:#0d1b2a;color:#fff}
header.top a{color:#fff}
.brand{font-weight:700;text-decoration:none;font-size:1.05rem}
header.top nav ul{display:flex;gap:1rem;list-style:none;margin:0;padding:0}
.who{display:flex;gap:.75rem;align-items:center;font-size:.9rem}
.who form{margin:0}
.who button{background:transparent;color:#fff;border:1px solid #ffffff80}
main{max-width:1100px;margin:0 auto;padding:1.25rem}
h1{font-size:1.5rem;margin:.25rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .6rem}
h3{font-size:1.05rem;margin:1rem 0 .4rem}
.crumbs ol{display:flex;flex-wrap:wrap;gap:.35rem;list-style:none;padding:0;margin:0 0 .25rem;color:var(--muted);font-size:.9rem}
.crumbs li+li::before{content:"/";margin-right:.35rem}
.tabs{display:flex;flex-wrap:wrap;gap:.25rem;border-bottom:1px solid var(--line);margin:0 0 1rem;padding:0;list-style:none}
.tabs a{display:block;padding:.45rem .85rem;text-decoration:none;border:1px solid transparent;border-bottom:none;border-radius:var(--radius) var(--radius) 0 0;color:var(--fg)}
.tabs a[aria-current]{border-color:var(--line);background:var(--bg);font-weight:600;margin-bottom:-1px}
.subtabs a[aria-current]{background:var(--soft)}
.card{border:1px solid var(--line);border-radius:var(--radius);padding:1rem;margin:0 0 1rem;background:var(--bg)}
.card h2:first-of-type,.dialog h2:first-of-type,.card h3:first-of-type{margin-top:0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:1rem}
.cards .card{margin:0}
.muted{color:var(--muted)}
.empty{border:1px dashed var(--line);border-radius:var(--radius);padding:1.25rem;text-align:center;color:var(--muted);background:var(--soft)}
.table-wrap{overflow-x:auto;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;font-size:.93rem}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--soft);font-weight:600}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em;word-break:break-all}
.masked{letter-spacing:.15em;color:var(--muted)}
form.inline{display:inline}
.field{margin:0 0 .9rem;max-width:40rem}
.field label,.field legend,.label{display:block;font-weight:600;margin-bottom:.25rem}
.hint{color:var(--muted);font-size:.88rem;margin:.2rem 0 0}
.field .error,p.error,.error-text{color:var(--danger);font-size:.9rem;margin:.25rem 0 0;font-weight:600}
input[type=text],input[type=password],input[type=search],select,textarea{width:100%;font:inherit;padding:.45rem .55rem;border:1px solid #8c959f;border-radius:var(--radius);background:#fff;color:var(--fg)}
textarea{min-height:4.5rem;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
[aria-invalid=true]{border-color:var(--danger);box-shadow:0 0 0 1px var(--danger)}
fieldset{border:1px solid var(--line);border-radius:var(--radius);margin:0 0 1rem;padding:.75rem 1rem}
.check{display:flex;gap:.6rem;align-items:flex-start;margin:0 0 .9rem;max-width:44rem}
.check input{margin-top:.3rem;width:1.1rem;height:1.1rem;flex:none}
.check label{font-weight:600}
.check .hint{display:block;font-weight:400;color:var(--muted);font-size:.88rem}
.row{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end}
.row .field{flex:1 1 14rem}
button,.button{display:inline-flex;align-items:center;gap:.4rem;font:inherit;font-weight:600;padding:.45rem .95rem;border-radius:var(--radius);border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);cursor:pointer;text-decoration:none;min-height:2.3rem}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}
button.danger,.button.danger{background:var(--danger);border-color:var(--danger);color:#fff}
button.link{background:none;border:none;color:var(--accent);padding:0;min-height:0;text-decoration:underline;font-weight:400}
button[aria-disabled=true]{opacity:.6;cursor:progress}
.actions{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;margin:1rem 0}
.actions form.inline{display:inline-flex;margin:0}
.notice{border-radius:var(--radius);padding:.7rem 1rem;margin:0 0 1rem;border:1px solid}
.notice.ok{background:#dafbe1;border-color:#4ac26b}
.notice.error{background:#ffebe9;border-color:#ff8182}
.notice.info{background:#ddf4ff;border-color:#54aeff}
.callout{border-left:4px solid var(--info);background:#f1f8ff;padding:.6rem .9rem;margin:.5rem 0 1rem;border-radius:0 var(--radius) var(--radius) 0;max-width:44rem}
.callout.tip{border-color:var(--ok);background:#f0fff4}
.callout.warn{border-color:var(--warn);background:#fff8c5}
.callout strong:first-child{display:block}
.badge{display:inline-flex;align-items:center;gap:.35rem;border-radius:999px;padding:.05rem .6rem;font-size:.8rem;font-weight:700;border:1px solid;white-space:nowrap}
.badge.none{color:var(--muted);border-color:var(--line);background:var(--soft)}
.badge.pending{color:var(--warn);border-color:#d4a72c;background:#fff8c5}
.badge.running{color:var(--info);border-color:#54aeff;background:#ddf4ff}
.badge.succeeded{color:var(--ok);border-color:#4ac26b;background:#dafbe1}
.badge.failed{color:var(--danger);border-color:#ff8182;background:#ffebe9}
.badge.drift{color:var(--drift);border-color:#c297ff;background:#fbefff}
.spinner{width:.8em;height:.8em;border:2px solid currentColor;border-right-color:transparent;border-radius:50%;display:inline-block;animation:spin .8s linear infinite}
@keyframes spin{to{transform:rotate(360deg)}}
@media (prefers-reduced-motion:reduce){.spinner{animation:none;border-right-color:currentColor;opacity:.5}}
dl.config{display:grid;grid-template-columns:minmax(9rem,max-content) 1fr;gap:.35rem 1rem;margin:0}
dl.config dt{font-weight:600;color:var(--muted)}
dl.config dd{margin:0}
ol.steps{display:flex;flex-wrap:wrap;gap:.3rem;list-style:none;padding:0;margin:0 0 1.25rem;counter-reset:step}
ol.steps li{counter-increment:step;padding:.3rem .7rem;border-radius:999px;background:var(--soft);color:var(--muted);font-size:.88rem}
ol.steps li::before{content:counter(step) ". "}
ol.steps li.done{color:var(--ok)}
ol.steps li[aria-current]{background:var(--accent);color:#fff;font-weight:700}
.choice{display:flex;gap:1rem;align-items:center;text-align:left;width:100%;max-width:26rem;background:#fff;color:var(--fg);border:1px solid var(--line);padding:1rem}
.choice:hover{border-color:var(--accent)}
.logo{display:inline-grid;place-items:center;width:2.5rem;height:2.5rem;border-radius:8px;background:#642dff;color:#fff;font-weight:800}
details.disclosure>summary{cursor:pointer;color:var(--accent);font-weight:600;margin:.25rem 0}
details.disclosure[open]{border:1px solid var(--line);border-radius:var(--radius);padding:.5rem .8rem;margin:.5rem 0}
.kv{display:flex;flex-wrap:wrap;gap:.3rem .9rem;font-size:.9rem}
ul.kv{list-style:none;padding:0;margin:0 0 .75rem}
ul.plain{list-style:none;padding:0;margin:0}
.tree ul{list-style:none;margin:0;padding-left:1.1rem;border-left:1px dotted var(--line)}
.tree>ul{padding-left:0;border:none}
.tree li{margin:.15rem 0}
.tree a::before{content:"";display:inline-block;width:.85em;height:.65em;margin-right:.4em;border:1.5px solid currentColor;border-top-width:3px;border-radius:2px;vertical-align:-.05em}
.tree a[aria-current]{font-weight:700;text-decoration:none;color:var(--fg)}
ul.keys{columns:2 14rem;margin:.25rem 0 .75rem}
.dialog{max-width:40rem;margin:2rem auto;border:2px solid var(--warn);border-radius:10px;padding:1.25rem 1.5rem;background:#fffdf3}
.signin{max-width:28rem;margin:3rem auto}
.js .no-js-only{display:none}
@media (max-width:640px){main{padding:.75rem}h1{font-size:1.3rem}dl.config{grid-template-columns:1fr}dl.config dd{margin-bottom:.4rem}
.hide-narrow{display:none}header.top{padding:.6rem .75rem}}
`;
