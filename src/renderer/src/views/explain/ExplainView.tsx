import { useEffect, useRef, useState } from 'react'
import type { PlanModel, PlanNode } from '../../../../shared/explain'
import { icicleLayout, locateRow, metricMax, metricValue, nodeBadges, visibleRows, windowSlice, type PlanMetric } from '../../lib/plan-view'
import { exportPlan } from '../../../../shared/plan-export'
import { ApiError } from '../../../../shared/api'
import { isProduction } from '../../../../shared/schemas'
import { api } from '../../api'
import { runJob } from '../../api/jobs'
import { ConfirmField } from '../../components/ConfirmField'
import { useExplain } from '../../stores/explain'
import { useSession } from '../../stores/session'
import { PlanHistoryPanel } from './PlanHistoryPanel'

const ROW = 26
const VIEWPORT = 560
const ms = (v: number | null) => (v === null ? '–' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 2 : 0)} ms`)
const message = (e: unknown) => (e instanceof Error ? e.message : String(e))

function nodeTitle(n: PlanNode): string {
  const join = n.joinType && n.joinType !== 'Inner' ? ` ${n.joinType}` : ''
  const strategy = n.nodeType === 'Aggregate' && n.strategy ? ` (${n.strategy})` : ''
  const on = n.relation ? ` on ${n.relation}${n.alias && n.alias !== n.relation ? ` ${n.alias}` : ''}` : n.cteName ? ` on ${n.cteName}` : ''
  const using = n.indexName ? ` using ${n.indexName}` : ''
  return `${n.parallelAware ? 'Parallel ' : ''}${n.nodeType}${join}${strategy}${using}${on}`
}

const ICICLE_WIDTH = 1200
const ICICLE_ROW = 20

/** The plan as an icicle: width is inclusive time (cost when not analysed); click focuses a node. */
function Icicle({ plan }: { plan: PlanModel }) {
  const selected = useExplain((s) => s.selected)
  const select = useExplain((s) => s.select)
  const rects = icicleLayout(plan, ICICLE_WIDTH)
  const depth = rects.reduce((d, r) => Math.max(d, r.depth), 0) + 1
  return (
    <svg
      className="icicle"
      viewBox={`0 0 ${ICICLE_WIDTH} ${depth * ICICLE_ROW}`}
      role="img"
      aria-label="Plan as an icicle"
      data-testid="icicle"
    >
      {rects.map((r) => {
        const n = plan.nodes[r.id]!
        return (
          <g key={r.id} onClick={() => select(r.id)} className={selected === r.id ? 'selected' : ''}>
            <rect x={r.x} y={r.depth * ICICLE_ROW} width={Math.max(0, r.w - 1)} height={ICICLE_ROW - 2}>
              <title>{`#${r.id} ${nodeTitle(n)}: ${ms(n.inclusiveMs)} with children, ${ms(n.exclusiveMs)} own`}</title>
            </rect>
            {r.w > 60 && (
              <text x={r.x + 4} y={r.depth * ICICLE_ROW + 14}>
                {nodeTitle(n).slice(0, Math.floor(r.w / 7))}
              </text>
            )}
          </g>
        )
      })}
    </svg>
  )
}

/** The plan as rows, virtualised: only the rows in view are in the DOM, so 10,000 nodes scroll. */
function PlanTree({ plan }: { plan: PlanModel }) {
  const metric = useExplain((s) => s.metric)
  const collapsed = useExplain((s) => s.collapsed)
  const selected = useExplain((s) => s.selected)
  const select = useExplain((s) => s.select)
  const toggle = useExplain((s) => s.toggle)
  const [scrollTop, setScrollTop] = useState(0)
  const expanded = useExplain((s) => s.expandedGroups)
  const toggleGroup = useExplain((s) => s.toggleGroup)
  const rows = visibleRows(plan, collapsed, expanded)
  const max = metricMax(plan, metric) || 1
  const { from, to } = windowSlice(rows.length, scrollTop, VIEWPORT, ROW)
  const box = useRef<HTMLDivElement>(null)
  // A node chosen elsewhere (an advice, the icicle) is brought into view once, opened if folded
  // away; after that the user scrolls freely.
  const shown = useRef<number | null>(null)
  useEffect(() => {
    if (selected === null || shown.current === selected) return
    const where = locateRow(plan, rows, collapsed, selected)
    if (!where) shown.current = selected
    else if ('collapsedAncestor' in where) toggle(where.collapsedAncestor)
    else if ('group' in where) toggleGroup(where.group)
    else {
      shown.current = selected
      const el = box.current
      const top = where.index * ROW
      if (el && (top < el.scrollTop || top > el.scrollTop + VIEWPORT - ROW)) el.scrollTop = Math.max(0, top - VIEWPORT / 3)
    }
  }, [selected, plan, rows, collapsed, toggle, toggleGroup])
  return (
    <div
      ref={box}
      className="plan-tree"
      style={{ height: Math.min(VIEWPORT, rows.length * ROW + 2) }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      data-testid="plan-tree"
    >
      <div style={{ height: rows.length * ROW, position: 'relative' }}>
        {rows.slice(from, to).map((row, i) => {
          if (row.kind === 'group') {
            const v = row.ids.reduce((sum, id) => sum + metricValue(plan.nodes[id]!, metric, plan), 0)
            return (
              <div
                key={row.key}
                className="plan-row plan-group"
                style={{ top: (from + i) * ROW, height: ROW }}
                onClick={() => toggleGroup(row.key)}
              >
                <span className="plan-indent" style={{ width: `${row.depth * 14}px` }} />
                <button className="link plan-toggle" aria-label={`expand ${row.label}`}>
                  ▸
                </button>
                <span className="plan-name">{row.label}</span>
                <span className="plan-bar" title={`${metric}: ${v}`}>
                  <span style={{ width: `${Math.min(100, (v / max) * 100)}%` }} />
                </span>
                <span className="plan-figure num">{metric === 'time' ? ms(v) : Math.round(v)}</span>
              </div>
            )
          }
          const id = row.id
          const n = plan.nodes[id]!
          const v = metricValue(n, metric, plan)
          return (
            <div
              key={id}
              className={`plan-row${selected === id ? ' selected' : ''}`}
              style={{ top: (from + i) * ROW, height: ROW }}
              data-node={id}
              onClick={() => select(id)}
            >
              <span className="plan-indent" style={{ width: `${n.depth * 14}px` }} />
              {n.children.length > 0 ? (
                <button
                  className="link plan-toggle"
                  aria-label={collapsed.has(id) ? `expand node ${id}` : `collapse node ${id}`}
                  onClick={(e) => {
                    e.stopPropagation()
                    toggle(id)
                  }}
                >
                  {collapsed.has(id) ? '▸' : '▾'}
                </button>
              ) : (
                <span className="plan-toggle" />
              )}
              <span className="plan-name">
                {n.subplanName ? <span className="muted">{n.subplanName}: </span> : null}#{id} {nodeTitle(n)}
              </span>
              {nodeBadges(n).map((b) => (
                <span key={b} className="badge badge-degraded plan-badge">
                  {b}
                </span>
              ))}
              <span className="plan-bar" title={`${metric}: ${v}`}>
                <span style={{ width: `${(v / max) * 100}%` }} />
              </span>
              <span className="plan-figure num">{metric === 'time' ? ms(n.exclusiveMs) : Math.round(v)}</span>
            </div>
          )
        })}
      </div>
    </div>
  )
}

function NodeDetail({ n }: { n: PlanNode }) {
  const facts: [string, string | number | null][] = [
    ['Rows (actual, all loops)', n.totalRows],
    ['Rows estimated per loop', n.planRows],
    ['Loops', n.actualLoops],
    ['Estimate factor', n.estimateFactor === null ? null : n.estimateFactor.toFixed(2)],
    ['Time (self / with children)', `${ms(n.exclusiveMs)} / ${ms(n.inclusiveMs)}`],
    ['Cost', n.totalCost],
    ['Filter', n.filter],
    ['Index condition', n.indexCond],
    ['Recheck condition', n.recheckCond],
    ['Join filter', n.joinFilter],
    ['Hash condition', n.hashCond],
    ['Rows removed by filter (per loop)', n.rowsRemovedByFilter],
    ['Heap fetches', n.heapFetches],
    ['Sort', n.sortMethod ? `${n.sortMethod}, ${n.sortSpaceKb} kB ${n.sortSpaceType}` : null],
    ['Hash batches', n.hashBatches],
    ['Workers planned / launched', n.workersPlanned === null ? null : `${n.workersPlanned} / ${n.workersLaunched}`],
    [
      'Buffers (self)',
      n.exclusiveBuffers
        ? `shared hit ${n.exclusiveBuffers.sharedHit}, read ${n.exclusiveBuffers.sharedRead}, temp ${n.exclusiveBuffers.tempRead + n.exclusiveBuffers.tempWritten}`
        : null
    ]
  ]
  return (
    <section className="panel" aria-label="Node detail" data-testid="node-detail">
      <h3>
        #{n.id} {nodeTitle(n)}
      </h3>
      <dl className="node-facts">
        {facts
          .filter(([, v]) => v !== null && v !== '')
          .map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{String(v)}</dd>
            </div>
          ))}
      </dl>
    </section>
  )
}

/** Saves text as a file through the browser's download (both the desktop app and a browser). */
function download(text: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** EXPLAIN a statement on the profile's Postgres (rolled back), or analyse a pasted plan. */
export function ExplainView() {
  const profile = useSession((s) => s.profiles.find((p) => p.name === s.active))
  const { sql, pasted, result, error, needsWriteConfirmation, selected, metric } = useExplain()
  const { setSql, setPasted, setResult, setNeedsWriteConfirmation, select, setMetric } = useExplain.getState()
  const [analyze, setAnalyze] = useState(false)
  const [shape, setShape] = useState<'tree' | 'icicle'>('tree')
  const [paramText, setParamText] = useState('')
  const hasParams = /\$\d+/.test(sql)
  // The core refuses these; the view says so before anyone tries.
  const analyzeBlocked = !profile
    ? null
    : profile.readOnly
      ? 'read-only profile: estimated plans only'
      : isProduction(profile) && !profile.allowExplainAnalyze
        ? 'off on this production profile (allowExplainAnalyze)'
        : null
  const analyzeOnProd = analyze && !analyzeBlocked && Boolean(profile && isProduction(profile))
  const [busy, setBusy] = useState(false)
  // The EXPLAIN running as a job, so it can be cancelled on the server.
  const [jobId, setJobId] = useState<string | null>(null)
  const raw = useRef<HTMLDetailsElement>(null)

  const run = async (confirmation?: string, values?: string[]) => {
    if (!profile) return
    setBusy(true)
    const id = crypto.randomUUID()
    setJobId(id)
    try {
      const params = values ?? (hasParams && paramText.trim() ? paramText.split('\n').map((l) => l.trim()) : null)
      const request = { profile: profile.name, sql, analyze: analyze && !analyzeBlocked, confirmation, params, jobId: id }
      setResult(await runJob('explain.run', id, () => api.call('explain.run', request)))
      setNeedsWriteConfirmation(false)
    } catch (e) {
      const m = message(e)
      setNeedsWriteConfirmation(e instanceof ApiError && e.reason === 'writes_need_confirmation')
      setResult(null, m)
    } finally {
      setJobId(null)
      setBusy(false)
    }
  }
  const analysePasted = async () => {
    setBusy(true)
    try {
      setResult(await api.call('explain.paste', { plan: pasted }))
    } catch (e) {
      setResult(null, message(e))
    } finally {
      setBusy(false)
    }
  }
  const plan = result?.plan
  return (
    <section className="explain" aria-label="Explain">
      <div className="two-cols">
        <section className="panel">
          <h3>Statement {profile?.postgres ? <span className="muted">on {profile.name}</span> : null}</h3>
          <textarea aria-label="Statement to explain" rows={5} value={sql} onChange={(e) => setSql(e.target.value)} spellCheck={false} />
          {hasParams && (
            <label className="params">
              Values for $1, $2, … one per line (bound as parameters, never spliced into the text). Empty: the generic plan, without ANALYZE
              <textarea
                aria-label="Parameter values"
                rows={3}
                value={paramText}
                onChange={(e) => setParamText(e.target.value)}
                spellCheck={false}
              />
            </label>
          )}
          <p>
            <label>
              <input
                type="checkbox"
                checked={analyze && !analyzeBlocked}
                disabled={Boolean(analyzeBlocked)}
                onChange={(e) => setAnalyze(e.target.checked)}
              />{' '}
              ANALYZE (runs it, in a transaction that is rolled back)
              {analyzeBlocked ? <span className="muted"> · {analyzeBlocked}</span> : null}
            </label>{' '}
            {analyzeOnProd && profile ? (
              <ConfirmField profile={profile} action="Run EXPLAIN ANALYZE on prod" busy={busy} onConfirm={(c) => void run(c)} />
            ) : (
              <button disabled={busy || !sql.trim() || !profile?.postgres} onClick={() => void run()}>
                {busy ? 'Explaining…' : 'Run EXPLAIN'}
              </button>
            )}
            {jobId && (
              <button onClick={() => void api.call('job.cancel', { jobId })} title="Cancels the statement on the server; nothing is kept">
                Cancel
              </button>
            )}
          </p>
          {needsWriteConfirmation && profile && (
            <p className="pending">
              This statement writes. EXPLAIN ANALYZE will really execute it, then roll it back.{' '}
              <ConfirmField profile={profile} action="Run and roll back" busy={busy} onConfirm={(c) => void run(c)} />
            </p>
          )}
        </section>
        <section className="panel">
          <h3>Or paste a plan</h3>
          <textarea
            aria-label="Plan to analyse"
            rows={5}
            value={pasted}
            onChange={(e) => setPasted(e.target.value)}
            spellCheck={false}
            placeholder="EXPLAIN output: JSON or text, from psql, pgAdmin or auto_explain"
          />
          <p>
            <button disabled={busy || !pasted.trim()} onClick={() => void analysePasted()}>
              Analyse
            </button>
          </p>
        </section>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {result && plan && (
        <>
          <p className="summary">
            {plan.nodes.length} nodes; planning {ms(plan.planningMs)}, execution {ms(plan.executionMs)}
            {plan.jit ? `, JIT ${ms(plan.jit.totalMs)}` : ''}
            {result.run ? ` · ran on ${result.run.profile}${result.run.analyzed ? ', rolled back' : ' (not executed)'}` : ' · pasted plan'}
          </p>
          {result.customPlans?.length ? (
            <section className="panel" aria-label="Custom plans" data-testid="custom-plans">
              <h3>This is the generic plan: the plan for particular values may differ</h3>
              <p className="muted">Values from the target's statistics (pg_stats.most_common_vals), bound as parameters:</p>
              <ul>
                {result.customPlans.map((set) => (
                  <li key={set.label}>
                    <button
                      disabled={busy}
                      onClick={() => {
                        setParamText(set.values.map((v) => v ?? '').join('\n'))
                        // A value the statistics cannot give (a LIMIT) is the user's to type first.
                        if (set.values.every((v) => v !== null)) void run(undefined, set.values as string[])
                      }}
                    >
                      {set.values.every((v) => v !== null) ? `Explain with the ${set.label}` : `Fill in the ${set.label}`}
                    </button>{' '}
                    <span className="muted">{set.why}</span>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          <section className="panel" aria-label="Advice" data-testid="advice">
            <h3>Advice, by time it could save</h3>
            {result.advice.length === 0 ? (
              <p className="muted">
                {plan.analyzed ? 'Nothing to advise.' : 'Nothing to advise from the estimates; ANALYZE figures would tell more.'}
              </p>
            ) : (
              <ol className="advice">
                {result.advice.map((a, i) => (
                  <li key={i} data-rule={a.rule} onClick={() => a.nodeId !== null && select(a.nodeId)}>
                    <span
                      className={`badge badge-${a.severity === 'critical' ? 'down' : a.severity === 'warning' ? 'degraded' : 'pending'}`}
                    >
                      {a.severity}
                    </span>{' '}
                    <strong>{a.title}</strong> <span className="muted">(~{ms(a.savingsMs)})</span>
                    <div>{a.message}</div>
                    {a.sql && <pre className="sql">{a.sql}</pre>}
                  </li>
                ))}
              </ol>
            )}
          </section>
          <div className="toolbar">
            <label>
              Show{' '}
              <select aria-label="Plan shape" value={shape} onChange={(e) => setShape(e.target.value as 'tree' | 'icicle')}>
                <option value="tree">tree</option>
                <option value="icicle">icicle</option>
              </select>
            </label>
            <label>
              Bars show{' '}
              <select aria-label="Bars show" value={metric} onChange={(e) => setMetric(e.target.value as PlanMetric)}>
                <option value="time">own time</option>
                <option value="cost">own cost</option>
                <option value="rows">rows</option>
                <option value="buffers">own buffers</option>
              </select>
            </label>
          </div>
          {shape === 'tree' ? <PlanTree plan={plan} /> : <Icicle plan={plan} />}
          {selected !== null && plan.nodes[selected] && <NodeDetail n={plan.nodes[selected]} />}
          {result.historyId && profile && <PlanHistoryPanel profile={profile.name} historyId={result.historyId} />}
          <p>
            <button onClick={() => download(exportPlan(result, sql || null, false), 'plan.json')}>Export with analysis</button>{' '}
            <button onClick={() => download(exportPlan(result, sql || null, true), 'plan-anonymised.json')}>Export anonymised</button>{' '}
            <span className="muted">anonymised: every constant replaced, the raw plan left out</span>
          </p>
          <details ref={raw}>
            <summary>Raw plan</summary>
            <pre className="sql">{result.raw}</pre>
          </details>
        </>
      )}
    </section>
  )
}
