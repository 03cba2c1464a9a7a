import pg from 'pg'

const pgTypes = pg.types
import { ApiError, type RequestContext } from '../../../shared/api'
import type { Advice, ExplainResult, PlanModel } from '../../../shared/explain'
import { planCost } from '../../../shared/plan-tree'
import { isProduction, type Profile } from '../../../shared/schemas'
import { errorMessage } from '../collector'
import { findSideEffects, type SideEffect } from './side-effects'
import { queryDigest } from '../postgres/actions'
import { num, queryRows, str, timeOrNull } from '../postgres/sql'
import type { PgThresholds } from '../postgres/thresholds'
import { advise, type LiveFacts } from './advice'
import { analysePlan } from './analyse'
import { parseJsonPlan } from './json-plan'
import { customPlanValues } from './parameter-values'

export interface ExplainRequest {
  profile: Profile
  sql: string
  analyze: boolean
  /** Values for $1, $2...: bound as parameters, never spliced into the text. */
  params: string[] | null
  thresholds: PgThresholds
  now: number
}

/** A server error as an SRE needs it: message, SQLSTATE, where in their statement, the hint. */
export function describeExplainError(err: unknown, prefixLength: number, th: PgThresholds): string {
  const e = err as { message?: string; code?: string; position?: string; hint?: string; detail?: string }
  if (e?.code === '42601' && /multiple commands/.test(e.message ?? ''))
    return 'Lookout explains one statement at a time: the text holds several, and the server refused to prepare them together (SQLSTATE 42601)'
  if (e?.code === '55P03')
    return `the statement waited longer than lock_timeout (${th.explain_lock_timeout_s} s) for a lock another session holds (see the Activity view) (SQLSTATE 55P03)`
  if (e?.code === '57014')
    return `the statement ran longer than statement_timeout (${th.explain_statement_timeout_s} s) and was cancelled; EXPLAIN without ANALYZE shows the plan without running it (SQLSTATE 57014)`
  let msg = errorMessage(err)
  if (e?.code) msg += ` (SQLSTATE ${e.code})`
  if (e?.position) {
    const at = Number(e.position) - prefixLength
    if (at > 0) msg += ` at character ${at} of the statement`
  }
  if (e?.detail) msg += `. ${e.detail}`
  if (e?.hint) msg += `. Hint: ${e.hint}`
  return msg
}

/** EXPLAIN's JSON kept as the server's text: a 64-bit queryid does not survive JSON numbers. */
const JSON_AS_TEXT = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 114 ? (v: string) => v : pgTypes.getTypeParser(oid, format ?? 'text')
}

/**
 * One EXPLAIN of the user's statement, its JSON as text. The extended protocol makes the server
 * prepare exactly one statement or refuse; values are bound, never spliced.
 */
async function explainStatement(client: pg.Client, prefix: string, req: ExplainRequest, generic = false): Promise<string> {
  if (generic) return explainGeneric(client, prefix, req)
  const res = await client.query({
    text: prefix + req.sql,
    values: req.params ?? [],
    queryMode: 'extended',
    types: JSON_AS_TEXT
  } as pg.QueryConfig)
  const cell = Object.values(res.rows[0] ?? {})[0]
  return typeof cell === 'string' ? cell : JSON.stringify(cell)
}

/** The highest $n of a statement: how many values it takes. */
function parameterCount(sql: string): number {
  return Math.max(0, ...[...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])))
}

/** The name of the statement prepared for a generic plan on 13-15; dropped after each use. */
const GENERIC_STATEMENT = 'lookout_generic_plan'

/**
 * The generic plan of a statement with $n parameters on a server without GENERIC_PLAN (13-15):
 * PREPARE it (through the extended protocol, so exactly one statement), force the generic plan
 * for this transaction, and EXPLAIN EXECUTE it with NULLs, which the generic plan does not look
 * at. Nothing executes: EXPLAIN without ANALYZE only plans. Must run inside `inTransaction`.
 */
async function explainGeneric(client: pg.Client, prefix: string, req: ExplainRequest): Promise<string> {
  const count = parameterCount(req.sql)
  await client.query("SET LOCAL plan_cache_mode = 'force_generic_plan'")
  await client.query({ text: `PREPARE ${GENERIC_STATEMENT} AS ${req.sql}`, queryMode: 'extended' } as pg.QueryConfig)
  try {
    const res = await client.query({
      text: `${prefix}EXECUTE ${GENERIC_STATEMENT}(${Array.from({ length: count }, () => 'NULL').join(', ')})`,
      queryMode: 'extended',
      types: JSON_AS_TEXT
    } as pg.QueryConfig)
    const cell = Object.values(res.rows[0] ?? {})[0]
    return typeof cell === 'string' ? cell : JSON.stringify(cell)
  } finally {
    // A prepared statement outlives the transaction's rollback: it goes now.
    await client.query(`DEALLOCATE ${GENERIC_STATEMENT}`).catch(() => {})
  }
}

const prefixWithout = (options: string[]) =>
  `EXPLAIN (${options.filter((o) => o !== 'ANALYZE' && o !== 'BUFFERS' && o !== 'SETTINGS').join(', ')}) `

/**
 * With the hypopg extension installed on the target (Lookout never installs it), each proposed
 * index is created as hypothetical in this session only and the statement re-planned (never run):
 * the advice then shows the planner's estimated cost before and after, and whether it used it.
 */
export async function tryHypothetical(
  client: pg.Client,
  prefix: string,
  req: ExplainRequest,
  plan: PlanModel,
  advice: Advice[]
): Promise<void> {
  const proposals = advice.filter((a) => a.sql && /^CREATE INDEX CONCURRENTLY ON /.test(a.sql))
  if (proposals.length === 0) return
  const [ext] = await queryRows(client, "/* lookout */ SELECT 1 AS ok FROM pg_extension WHERE extname = 'hypopg'")
  if (!ext) return
  const before = planCost(plan)
  if (before === null) return
  for (const a of proposals) {
    await client.query('BEGIN READ ONLY')
    try {
      const [hyp] = await queryRows(client, '/* lookout */ SELECT indexname FROM hypopg_create_index($1)', [
        a.sql!.replace('CREATE INDEX CONCURRENTLY ON', 'CREATE INDEX ON').replace(/;$/, '')
      ])
      const after = parseJsonPlan(await explainStatement(client, prefix, req))
      const name = str(hyp?.indexname)
      const used = after.nodes.some((n) => n.indexName === name)
      a.hypothetical = { costBefore: before, costAfter: planCost(after) ?? before, used }
      a.message += used
        ? ` With it as a hypothetical index (hypopg), the planner's estimated cost goes from ${before.toFixed(0)} to ${a.hypothetical.costAfter.toFixed(0)}.`
        : ' With it as a hypothetical index (hypopg), the planner would still not use it: check the proposal against the query.'
    } finally {
      await client.query('SELECT hypopg_reset()').catch(() => {})
      await client.query('ROLLBACK')
    }
  }
}

/** Server version, for GENERIC_PLAN (16+). */
async function versionNum(client: pg.Client): Promise<number> {
  const [r] = await queryRows(client, "/* lookout */ SELECT current_setting('server_version_num')::int AS v")
  return num(r?.v)
}

/** Indexes, last analyze and work_mem for the tables of a plan: what the advice joins with. */
export async function liveFacts(client: pg.Client, plan: PlanModel, now: number): Promise<LiveFacts> {
  const tables = [...new Set(plan.nodes.map((n) => n.relation).filter((r): r is string => Boolean(r)))]
  const facts: LiveFacts = { indexes: new Map(), lastAnalyze: new Map(), workMemKb: null, now }
  if (tables.length) {
    const idx = await queryRows(
      client,
      `/* lookout */ SELECT c.relname AS tbl, i.relname AS idx, pg_get_indexdef(x.indexrelid) AS def,
        array(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.ord) AS cols
       FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
       WHERE c.relname = ANY ($1) AND x.indisvalid`,
      [tables]
    )
    for (const r of idx) {
      const t = str(r.tbl)
      facts.indexes.set(t, [...(facts.indexes.get(t) ?? []), { name: str(r.idx), columns: (r.cols as string[]) ?? [], def: str(r.def) }])
    }
    const an = await queryRows(
      client,
      '/* lookout */ SELECT relname, greatest(last_analyze, last_autoanalyze) AS at FROM pg_stat_all_tables WHERE relname = ANY ($1)',
      [tables]
    )
    for (const r of an) facts.lastAnalyze.set(str(r.relname), timeOrNull(r.at))
    // reltuples is -1 (14+) or 0 for a table never counted: no figure then.
    const counts = await queryRows(
      client,
      "/* lookout */ SELECT relname, reltuples::float8 AS n FROM pg_class WHERE relname = ANY ($1) AND relkind IN ('r', 'p', 'm') AND reltuples > 0",
      [tables]
    )
    facts.tableRows = new Map(counts.map((r) => [str(r.relname), num(r.n) ?? 0]))
  }
  const [wm] = await queryRows(
    client,
    "/* lookout */ SELECT setting::float8 * CASE unit WHEN '8kB' THEN 8 WHEN 'MB' THEN 1024 ELSE 1 END AS kb FROM pg_settings WHERE name = 'work_mem'"
  )
  facts.workMemKb = wm ? num(wm.kb) : null
  return facts
}

/** BEGIN ATOMIC function bodies, which the side-effect check parses the statement into, came in 14. */
export const MIN_VERSION_FOR_ANALYZE_CHECK = 140000

/** Why ANALYZE is not allowed on this profile at all, or null. */
export function analyzePolicyRefusal(profile: Profile): string | null {
  if (profile.readOnly)
    return `profile "${profile.name}" is read-only: EXPLAIN ANALYZE executes the statement, so Lookout never runs it here. EXPLAIN without ANALYZE gives the estimated plan; run ANALYZE on a profile that is neither read-only nor prod`
  if (isProduction(profile) && !profile.allowExplainAnalyze)
    return `EXPLAIN ANALYZE is off on the ${profile.environment} profile "${profile.name}": it executes the statement. EXPLAIN without ANALYZE gives the estimated plan; run ANALYZE on a staging or dev copy, or turn on allowExplainAnalyze for this profile (a guarded change)`
  return null
}

function sideEffectRefusal(effects: SideEffect[]): string {
  const shown = effects.slice(0, 5).map((e) => `${e.function} (via ${e.via}): ${e.why}`)
  const more = effects.length > shown.length ? `; and ${effects.length - shown.length} more` : ''
  return (
    `EXPLAIN ANALYZE refused: the statement may act outside the transaction Lookout rolls back. Found: ${shown.join('; ')}${more}. ` +
    "Nothing was run. EXPLAIN without ANALYZE gives the estimated plan; run ANALYZE on a non-prod copy; or, if a function is known to act only inside the transaction, list it in the profile's explainAnalyzeFunctions (a guarded change)"
  )
}

/** An EXPLAIN checked and ready to run: its own session, its options, and whether it may write. */
export interface CheckedExplain {
  client: pg.Client
  req: ExplainRequest
  digest: string
  options: string[]
  /** The generic plan through a prepared statement (a server before 16, $n without values). */
  prepared: boolean
  /** Why running a statement that turns out to write needs confirmation, or null when the request carried it (prod refuses it anyway). */
  writesRefusal: string | null
}

async function inTransaction<T>(client: pg.Client, th: PgThresholds, readOnly: boolean, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN')
  try {
    if (readOnly) await client.query('SET TRANSACTION READ ONLY')
    await client.query(`SET LOCAL statement_timeout = ${Math.round(th.explain_statement_timeout_s * 1000)}`)
    await client.query(`SET LOCAL lock_timeout = ${Math.round(th.explain_lock_timeout_s * 1000)}`)
    return await work()
  } finally {
    await client.query('ROLLBACK')
  }
}

/** A server's error as the ApiError the caller sees; positions count from the start of `prefix`. */
function asApiError(err: unknown, prefix: string, th: PgThresholds): ApiError {
  return err instanceof ApiError ? err : new ApiError('bad_request', describeExplainError(err, prefix.length, th))
}

/**
 * The options of the EXPLAIN that runs. $n parameters without values give the generic plan when
 * nothing executes: GENERIC_PLAN on 16+, a prepared statement with the generic plan forced before
 * (`prepared`); ANALYZE needs the values.
 */
function explainOptions(req: ExplainRequest, version: number): { options: string[]; prepared: boolean } {
  const hasParams = /\$\d+/.test(req.sql)
  if (hasParams && !req.params && req.analyze)
    throw new ApiError(
      'bad_request',
      'the statement has $n parameters: give a value for each to run it with ANALYZE (they are bound as parameters, never spliced in); without ANALYZE its generic plan needs none'
    )
  const generic = hasParams && !req.params && !req.analyze
  return {
    options: [
      'FORMAT JSON',
      'COSTS',
      'VERBOSE',
      'BUFFERS',
      'SETTINGS',
      ...(req.analyze ? ['ANALYZE'] : []),
      ...(generic && version >= 160000 ? ['GENERIC_PLAN'] : [])
    ],
    prepared: generic && version < 160000
  }
}

/**
 * Nothing executes before these checks, made while the request waits (planning only): the
 * profile's policy, the plain plan (one statement, the server's own syntax errors), then what the
 * statement would call, read from the catalog (side-effects.ts).
 */
async function checkAnalyze(
  client: pg.Client,
  req: ExplainRequest,
  version: number,
  options: string[],
  ctx: Pick<RequestContext, 'audit'>
) {
  const plain = prefixWithout(options)
  await inTransaction(client, req.thresholds, true, () => explainStatement(client, plain, req)).catch((err: unknown) => {
    throw asApiError(err, plain, req.thresholds)
  })
  if (version < MIN_VERSION_FOR_ANALYZE_CHECK)
    throw new ApiError(
      'refused',
      `EXPLAIN ANALYZE needs PostgreSQL 14 or later here: Lookout checks what a statement calls through a BEGIN ATOMIC function body, which PostgreSQL ${Math.floor(version / 10000)} lacks. EXPLAIN without ANALYZE gives the estimated plan`
    )
  const verdict = await inTransaction(client, req.thresholds, false, () =>
    findSideEffects(client, req.sql, /\$\d+/.test(req.sql), req.profile.explainAnalyzeFunctions)
  ).catch((err: unknown) => {
    throw new ApiError(
      'refused',
      `EXPLAIN ANALYZE refused: Lookout could not check what the statement calls (${describeExplainError(err, 0, req.thresholds)}). It checks SELECT, INSERT, UPDATE, DELETE and MERGE; EXPLAIN without ANALYZE gives the estimated plan`
    )
  })
  ctx.audit({ checkedFunctions: verdict.checkedFunctions })
  if (verdict.effects.length) {
    ctx.audit({ sideEffects: verdict.effects.map((e) => `${e.function} via ${e.via}`) })
    throw new ApiError('refused', sideEffectRefusal(verdict.effects), 'side_effects')
  }
}

/** Decided while the request's guard is at hand: the refusal a statement that turns out to write gets without confirmation. */
function writesRefusalOf(req: ExplainRequest, ctx: Pick<RequestContext, 'requireConfirmation'>): string | null {
  if (!req.analyze || isProduction(req.profile)) return null
  try {
    ctx.requireConfirmation('explain analyze (writes, rolled back)')
    return null
  } catch (e) {
    return (e as Error).message
  }
}

/**
 * The request's half of an EXPLAIN on a live target under Lookout's rules. ANALYZE executes the
 * statement, so: never on a read-only profile; on prod only when the profile opts in, with its
 * name typed; and wherever it runs, only after the server's own catalog shows that nothing it
 * calls can act outside the transaction. The dispatcher guards and audits the request; this adds
 * the query's digest (never its text) and what was found. `runCheckedExplain` then runs it as a job.
 */
export async function checkExplain(
  open: () => Promise<pg.Client>,
  req: ExplainRequest,
  ctx: Pick<RequestContext, 'audit' | 'setTarget' | 'requireConfirmation'>
): Promise<CheckedExplain> {
  const digest = queryDigest(req.sql)
  ctx.setTarget(`query ${digest}`)
  ctx.audit({ queryDigest: digest, analyzed: req.analyze })
  if (req.analyze) {
    const policy = analyzePolicyRefusal(req.profile)
    if (policy) throw new ApiError('refused', policy, req.profile.readOnly ? 'read_only' : 'analyze_not_allowed')
    if (isProduction(req.profile))
      ctx.requireConfirmation(`EXPLAIN ANALYZE on the ${req.profile.environment} profile "${req.profile.name}"`)
  }
  const writesRefusal = writesRefusalOf(req, ctx)
  const client = await open()
  try {
    const version = await versionNum(client)
    const { options, prepared } = explainOptions(req, version)
    if (req.analyze) await checkAnalyze(client, req, version, options, ctx)
    return { client, req, digest, options, prepared, writesRefusal }
  } catch (err) {
    await client.end().catch(() => {})
    throw asApiError(err, '', req.thresholds)
  }
}

/**
 * The job's half: the EXPLAIN itself, inside a transaction that is always rolled back, with SET
 * LOCAL statement and lock timeouts. It first runs READ ONLY: if the server says the statement
 * writes, running it for real needs the confirmation the request carried, and is refused on prod.
 * A cancel (`signal`) cancels the statement on the server. The session ends with the job.
 */
export async function runCheckedExplain(
  checked: CheckedExplain,
  signal: AbortSignal,
  cancelBackend: (pid: number) => Promise<void>
): Promise<{ result: ExplainResult; writes: boolean }> {
  const { client, req, options, prepared } = checked
  const prefix = `EXPLAIN (${options.join(', ')}) `
  const pid = (client as unknown as { processID: number }).processID
  const onAbort = () => void cancelBackend(pid).catch(() => {})
  signal.addEventListener('abort', onAbort, { once: true })
  let writes = false
  try {
    let raw: string
    try {
      raw = await inTransaction(client, req.thresholds, true, () => explainStatement(client, prefix, req, prepared))
    } catch (err) {
      if ((err as { code?: string }).code !== '25006' || !req.analyze) throw err
      // The server says it writes: ANALYZE would execute it for real (then roll back).
      writes = true
      if (isProduction(req.profile))
        throw new ApiError(
          'refused',
          `this statement writes (${errorMessage(err)}); EXPLAIN ANALYZE would execute it, and profile "${req.profile.name}" is production: run EXPLAIN without ANALYZE`
        )
      if (checked.writesRefusal !== null)
        throw new ApiError(
          'refused',
          `this statement writes: EXPLAIN ANALYZE really executes it, then rolls it back. Confirm to run it (${checked.writesRefusal})`,
          'writes_need_confirmation'
        )
      raw = await inTransaction(client, req.thresholds, false, () => explainStatement(client, prefix, req))
    }
    const plan = analysePlan(parseJsonPlan(raw))
    const facts = await liveFacts(client, plan, req.now).catch(() => null)
    const advice = advise(plan, facts)
    await tryHypothetical(client, prefixWithout(options), req, plan, advice).catch(() => {})
    const run = { profile: req.profile.name, analyzed: req.analyze, readOnly: !writes, rolledBack: true as const, at: req.now }
    // A generic plan: offer custom plans with values the target's statistics hold.
    const generic = prepared || options.includes('GENERIC_PLAN')
    const customPlans = generic ? await customPlanValues(client, plan, parameterCount(req.sql)).catch(() => null) : null
    return { writes, result: { historyId: null, plan, advice, raw, format: 'json', run, ...(customPlans ? { customPlans } : {}) } }
  } catch (err) {
    if (signal.aborted) throw new ApiError('conflict', 'EXPLAIN was cancelled: the server stopped the statement and rolled it back')
    throw asApiError(err, prefix, req.thresholds)
  } finally {
    signal.removeEventListener('abort', onAbort)
    await client.end().catch(() => {})
  }
}
