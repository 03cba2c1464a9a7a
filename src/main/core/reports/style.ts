/**
 * The report's one stylesheet: inline, allowed by its hash in the report's CSP (no other style, no
 * script, no request). Light by default, dark through prefers-color-scheme, and a print layout
 * with a page per section.
 */
export const REPORT_CSS = `
:root { --bg: #ffffff; --fg: #1b1f24; --muted: #5b6570; --line: #d8dde3; --panel: #f5f7f9; --accent: #2563c9;
  --s0: #2563c9; --s1: #c2410c; --good: #15803d; --bad: #b91c1c; --warn: #a16207; --crit: #b91c1c; --info: #4b5563; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #14171b; --fg: #e4e8ec; --muted: #9aa5b1; --line: #2e353d; --panel: #1c2127; --accent: #6ea3ff;
    --s0: #6ea3ff; --s1: #fb923c; --good: #4ade80; --bad: #f87171; --warn: #facc15; --crit: #f87171; --info: #9ca3af; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1000px; padding: 24px 28px 48px; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
p { margin: 6px 0; }
.muted, .empty, .source { color: var(--muted); }
.source { font-size: 12px; }
header.report { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 18px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 10px 0 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
section { margin: 0 0 28px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, pre, .q { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.q { white-space: pre-wrap; word-break: break-word; unicode-bidi: isolate; }
pre { background: var(--panel); padding: 8px; border-radius: 4px; white-space: pre-wrap; word-break: break-word; margin: 4px 0; }
.cp { color: var(--bad); font-weight: 600; }
.cut { color: var(--muted); font-style: italic; }
.warning-box { border: 2px solid var(--warn); background: var(--panel); padding: 10px 14px; border-radius: 6px; margin: 0 0 18px; }
.warning-box h2 { border: 0; color: var(--warn); margin-bottom: 4px; }
.sev { display: inline-block; min-width: 62px; text-align: center; padding: 0 6px; border-radius: 3px; font-size: 11px; font-weight: 700;
  text-transform: uppercase; color: var(--bg); }
.sev.critical { background: var(--crit); } .sev.warning { background: var(--warn); } .sev.info { background: var(--info); }
.better { color: var(--good); } .worse { color: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 10px; }
.card { background: var(--panel); border-radius: 6px; padding: 8px 12px; }
.card .label { color: var(--muted); font-size: 12px; }
.card .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .delta { font-size: 12px; }
figure.chart { margin: 6px 0 14px; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .tick { fill: var(--muted); font: 10px system-ui, sans-serif; }
svg .line { fill: none; stroke-width: 1.5; stroke-linejoin: round; vector-effect: non-scaling-stroke; }
svg .band { stroke: none; opacity: 0.22; }
.smalls { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 4px 16px; }
.smalls .chart-title { font-size: 12px; font-weight: 500; margin: 4px 0 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
figure.chart.small { margin: 0 0 6px; }
svg .line.s0, svg .dot.s0 { stroke: var(--s0); fill: var(--s0); } svg .line.s0 { fill: none; } svg .band.s0 { fill: var(--s0); }
svg .line.s1, svg .dot.s1 { stroke: var(--s1); fill: var(--s1); } svg .line.s1 { fill: none; } svg .band.s1 { fill: var(--s1); }
svg .mark { stroke-width: 1.5; stroke-dasharray: 3 3; }
svg .mark.alert { stroke: var(--crit); } svg .mark.action { stroke: var(--good); }
.legend { font-size: 12px; color: var(--muted); }
.legend .key::before { content: ""; display: inline-block; width: 14px; height: 3px; margin: 0 4px 3px 10px; vertical-align: middle; }
.legend .key.s0::before { background: var(--s0); } .legend .key.s1::before { background: var(--s1); }
.chart-title { font-weight: 600; margin: 10px 0 0; }
table.findings td:nth-child(2) { width: 24%; }
ol.recs { padding-left: 22px; } ol.recs li { margin: 0 0 10px; }
footer { margin-top: 30px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 12px; }
  section { break-before: page; }
  section.first { break-before: auto; }
  figure.chart, tr, .card, li { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .warning-box { break-inside: avoid; }
}
`
