import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { queryRows, str } from '../postgres/sql'

/**
 * Before EXPLAIN ANALYZE runs a statement, Lookout asks the server what the statement would call.
 * Rolling back protects the tables of the transaction, not what a function does outside it:
 * signalling other backends, writing through dblink, advancing a sequence, NOTIFY, session
 * advisory locks, large objects, files. The server parses the statement into the body of a
 * temporary SQL function (BEGIN ATOMIC, PostgreSQL 14+) inside a transaction that is rolled back,
 * and its own parse tree (`pg_proc.prosqlbody`) names every function, operator, aggregate and
 * relation by OID. From there the catalog gives what runs besides: views' definitions, and for
 * each table written its triggers, column defaults, rules, row-level security policies, its
 * partitions and the tables its foreign keys cascade into.
 */

/** PostgreSQL's first OID for objects that are not built in (FirstNormalObjectId). */
export const FIRST_USER_OID = 16384

/**
 * Built-in volatile functions that act on nothing but this session, which Lookout discards after
 * the EXPLAIN: they may run under ANALYZE. Every other volatile built-in is refused.
 */
export const SESSION_ONLY_VOLATILE_BUILTINS: ReadonlySet<string> = new Set([
  'random',
  'random_normal',
  'setseed',
  'clock_timestamp',
  'timeofday',
  'gen_random_uuid',
  'pg_sleep',
  'pg_sleep_for',
  'pg_sleep_until',
  'txid_current',
  'pg_current_xact_id',
  'currval',
  'lastval',
  'set_config'
])

/** Languages whose non-volatile functions Lookout trusts under ANALYZE: compiled code, as the server's own. */
const TRUSTED_LANGUAGES = new Set(['c', 'internal'])

/** RowExclusiveLock: the lock a statement takes on the tables it writes (a SELECT takes AccessShare or RowShare). */
const ROW_EXCLUSIVE_LOCK = 3

/** Bounds on the walk, so a hostile catalog cannot keep it going. */
const MAX_ROUNDS = 20
const MAX_OBJECTS = 5000

export interface TreeRefs {
  /** Query.commandType of each query in the tree: 1 SELECT, 2 UPDATE, 3 INSERT, 4 DELETE, 5 MERGE. */
  commands: Set<number>
  functions: Set<number>
  operators: Set<number>
  relations: { oid: number; kind: string; lock: number }[]
}

/** What a node tree (nodeToString's text: prosqlbody, ev_action, adbin, polqual) references by OID. */
export function treeRefs(tree: string): TreeRefs {
  const refs: TreeRefs = { commands: new Set(), functions: new Set(), operators: new Set(), relations: [] }
  for (const m of tree.matchAll(/:commandType (\d+)/g)) refs.commands.add(Number(m[1]))
  for (const m of tree.matchAll(/:(funcid|aggfnoid|winfnoid|opfuncid) (\d+)/g)) if (m[2] !== '0') refs.functions.add(Number(m[2]))
  for (const m of tree.matchAll(/:opno (\d+)/g)) if (m[1] !== '0') refs.operators.add(Number(m[1]))
  for (const m of tree.matchAll(/:opnos \(o((?: \d+)*)\)/g)) for (const o of m[1]!.trim().split(/\s+/)) if (o) refs.operators.add(Number(o))
  for (const m of tree.matchAll(/:relid (\d+) :relkind (\w) :rellockmode (\d+)/g))
    if (m[1] !== '0') refs.relations.push({ oid: Number(m[1]), kind: m[2]!, lock: Number(m[3]) })
  return refs
}

export interface SideEffect {
  /** `pg_catalog.pg_terminate_backend(integer, bigint)` */
  function: string
  /** Why it may act outside the transaction. */
  why: string
  /** Where the statement reaches it: `the statement`, `trigger audit_t on public.t`, `view public.v`... */
  via: string
}

export interface SideEffectVerdict {
  effects: SideEffect[]
  /** How many functions were resolved and checked, for the audit. */
  checkedFunctions: number
}

/** Strips what would break the function body around the statement: trailing semicolons and blanks. */
function statementBody(sql: string): string {
  return sql.replace(/[\s;]+$/, '')
}

/**
 * The statement's parse tree as the server resolves it, from a temporary SQL function created in
 * a transaction that the caller rolls back. The extended protocol keeps it one statement.
 */
async function parseTree(client: pg.Client, sql: string, hasParams: boolean): Promise<string> {
  let types: string[] = []
  if (hasParams) {
    // The server infers each $n's type as it would for the real statement.
    await client.query({ text: 'PREPARE lookout_probe AS ' + sql, queryMode: 'extended' } as pg.QueryConfig)
    const [r] = await queryRows(client, "SELECT parameter_types::text[] AS t FROM pg_prepared_statements WHERE name = 'lookout_probe'")
    types = (r?.t as string[] | undefined) ?? []
    await client.query('DEALLOCATE lookout_probe')
  }
  const name = `lookout_probe_${randomBytes(6).toString('hex')}`
  await client.query({
    text: `CREATE FUNCTION pg_temp.${name}(${types.join(', ')}) RETURNS void LANGUAGE sql BEGIN ATOMIC\n${statementBody(sql)}\n; END`,
    queryMode: 'extended'
  } as pg.QueryConfig)
  const [r] = await queryRows(
    client,
    'SELECT prosqlbody::text AS body FROM pg_proc WHERE proname = $1 AND pronamespace = pg_my_temp_schema()',
    [name]
  )
  return str(r?.body)
}

/**
 * Every function the statement may run, with where it comes from, checked against the rules:
 * a built-in volatile function is refused unless it acts on this session only; a function that
 * is not built in runs only if the profile allows it by name, or it is declared IMMUTABLE or
 * STABLE and written in C. Must run inside a transaction the caller rolls back.
 */
export async function findSideEffects(
  client: pg.Client,
  sql: string,
  hasParams: boolean,
  allowed: readonly string[]
): Promise<SideEffectVerdict> {
  const functions = new Map<number, string>() // oid -> via
  const operators = new Map<number, string>()
  const seenRelations = new Set<number>()
  const written = new Set<number>()
  /** Written tables whose column defaults and generated columns run: by INSERT, UPDATE or MERGE, or a cascade. */
  const fillsColumns = new Set<number>()
  const FILLING_COMMANDS = [2, 3, 5]
  const trees: { tree: string; via: string }[] = [{ tree: await parseTree(client, sql, hasParams), via: 'the statement' }]
  const relName = async (oids: number[]) => {
    const rows = await queryRows(
      client,
      `SELECT c.oid::int AS oid, format('%I.%I', n.nspname, c.relname) AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY ($1)`,
      [oids]
    )
    return new Map(rows.map((r) => [Number(r.oid), str(r.name)]))
  }
  for (let round = 0; round < MAX_ROUNDS && trees.length; round++) {
    const newRelations: { oid: number; kind: string; lock: number; via: string }[] = []
    for (const { tree, via } of trees.splice(0)) {
      const refs = treeRefs(tree)
      for (const f of refs.functions) if (!functions.has(f)) functions.set(f, via)
      for (const o of refs.operators) if (!operators.has(o)) operators.set(o, via)
      const fills = FILLING_COMMANDS.some((c) => refs.commands.has(c)) || via.startsWith('a cascade')
      for (const r of refs.relations) {
        if (r.lock >= ROW_EXCLUSIVE_LOCK) written.add(r.oid)
        if (r.lock >= ROW_EXCLUSIVE_LOCK && fills) fillsColumns.add(r.oid)
        if (!seenRelations.has(r.oid)) newRelations.push({ ...r, via })
      }
    }
    if (functions.size + seenRelations.size > MAX_OBJECTS) throw new Error('the statement reaches too many objects to check')
    const fresh = newRelations.filter((r) => !seenRelations.has(r.oid))
    for (const r of fresh) seenRelations.add(r.oid)
    const freshOids = [...new Set(fresh.map((r) => r.oid))]
    if (freshOids.length === 0) continue
    const names = await relName(freshOids)
    const nameOf = (oid: number) => names.get(oid) ?? `relation ${oid}`
    // Views run their definition.
    for (const r of await queryRows(
      client,
      'SELECT ev_class::int AS rel, rulename, ev_action::text AS tree, ev_qual::text AS qual FROM pg_rewrite WHERE ev_class = ANY ($1)',
      [freshOids]
    )) {
      const rel = Number(r.rel)
      const isView = str(r.rulename) === '_RETURN'
      // A table's own rules (DO ALSO / INSTEAD) run when it is written.
      if (!isView && !written.has(rel)) continue
      const via = isView ? `view ${nameOf(rel)}` : `rule ${str(r.rulename)} on ${nameOf(rel)}`
      trees.push({ tree: str(r.tree), via }, { tree: str(r.qual), via })
    }
    // Row-level security policies run their expressions on every row read or written.
    for (const r of await queryRows(
      client,
      `SELECT p.polrelid::int AS rel, p.polname, p.polqual::text AS q, p.polwithcheck::text AS w
       FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE p.polrelid = ANY ($1) AND c.relrowsecurity`,
      [freshOids]
    )) {
      const via = `policy ${str(r.polname)} on ${nameOf(Number(r.rel))}`
      trees.push({ tree: str(r.q), via }, { tree: str(r.w), via })
    }
    const writtenNow = freshOids.filter((o) => written.has(o))
    if (writtenNow.length === 0) continue
    // A written table: its partitions and children, and the tables its foreign keys cascade into, are written too.
    const more = await queryRows(
      client,
      `SELECT inhrelid::int AS rel FROM pg_inherits WHERE inhparent = ANY ($1)
       UNION SELECT conrelid::int FROM pg_constraint
        WHERE contype = 'f' AND confrelid = ANY ($1) AND (confdeltype IN ('c', 'n', 'd') OR confupdtype IN ('c', 'n', 'd'))`,
      [writtenNow]
    )
    for (const r of more) {
      const oid = Number(r.rel)
      if (seenRelations.has(oid)) continue
      written.add(oid)
      trees.push({ tree: `:relid ${oid} :relkind r :rellockmode ${ROW_EXCLUSIVE_LOCK}`, via: `a cascade from ${nameOf(writtenNow[0]!)}` })
    }
    // Its triggers run their functions; its defaults and generated columns their expressions.
    for (const r of await queryRows(
      client,
      "SELECT tgrelid::int AS rel, tgname, tgfoid::int AS fn FROM pg_trigger WHERE tgrelid = ANY ($1) AND NOT tgisinternal AND tgenabled <> 'D'",
      [writtenNow]
    ))
      if (!functions.has(Number(r.fn))) functions.set(Number(r.fn), `trigger ${str(r.tgname)} on ${nameOf(Number(r.rel))}`)
    const filled = writtenNow.filter((o) => fillsColumns.has(o))
    if (filled.length)
      for (const r of await queryRows(client, 'SELECT adrelid::int AS rel, adbin::text AS tree FROM pg_attrdef WHERE adrelid = ANY ($1)', [
        filled
      ]))
        trees.push({ tree: str(r.tree), via: `a column default of ${nameOf(Number(r.rel))}` })
  }
  await addOperatorsAndAggregates(client, functions, operators)
  const effects = await judgeFunctions(client, functions, allowed)
  return { effects, checkedFunctions: functions.size }
}

/** Operators run their functions, aggregates their support functions: both join the functions to judge. */
async function addOperatorsAndAggregates(client: pg.Client, functions: Map<number, string>, operators: Map<number, string>): Promise<void> {
  if (operators.size)
    for (const r of await queryRows(client, 'SELECT oid::int AS op, oprcode::oid::int AS fn FROM pg_operator WHERE oid = ANY ($1)', [
      [...operators.keys()]
    ]))
      if (Number(r.fn) && !functions.has(Number(r.fn))) functions.set(Number(r.fn), operators.get(Number(r.op))!)
  const aggs = await queryRows(
    client,
    `SELECT aggfnoid::oid::int AS agg, unnest(ARRAY[aggtransfn, aggfinalfn, aggcombinefn, aggserialfn, aggdeserialfn, aggmtransfn, aggminvtransfn, aggmfinalfn]::oid[])::int AS fn
     FROM pg_aggregate WHERE aggfnoid = ANY ($1::oid[])`,
    [[...functions.keys()]]
  )
  for (const r of aggs)
    if (Number(r.fn) && !functions.has(Number(r.fn))) functions.set(Number(r.fn), functions.get(Number(r.agg)) ?? 'an aggregate')
}

/** The rule, function by function (`functions`: OID -> how the statement reaches it). */
async function judgeFunctions(client: pg.Client, functions: Map<number, string>, allowed: readonly string[]): Promise<SideEffect[]> {
  if (functions.size === 0) return []
  const effects: SideEffect[] = []
  const allow = new Set(allowed.map((a) => a.toLowerCase()))
  const rows = await queryRows(
    client,
    `SELECT p.oid::int AS oid, n.nspname, p.proname, p.provolatile, l.lanname,
            format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS signature
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
     WHERE p.oid = ANY ($1::oid[])`,
    [[...functions.keys()]]
  )
  for (const r of rows) {
    const oid = Number(r.oid)
    const effect = (why: string) => effects.push({ function: str(r.signature), via: functions.get(oid) ?? 'the statement', why })
    const volatile = str(r.provolatile) === 'v'
    if (allow.has(`${str(r.nspname)}.${str(r.proname)}`.toLowerCase())) continue
    if (oid < FIRST_USER_OID) {
      if (volatile && !SESSION_ONLY_VOLATILE_BUILTINS.has(str(r.proname)))
        effect('a volatile built-in function: it may act outside the transaction that is rolled back')
    } else if (volatile) effect(`a volatile ${str(r.lanname)} function: it may act outside the transaction`)
    else if (!TRUSTED_LANGUAGES.has(str(r.lanname)))
      effect(`a ${str(r.lanname)} function: Lookout cannot see what its body calls (a non-volatile one may still call volatile ones)`)
  }
  const found = new Set(rows.map((r) => Number(r.oid)))
  for (const [oid, via] of functions) if (!found.has(oid)) effects.push({ function: `function ${oid}`, via, why: 'not found in pg_proc' })
  return effects
}
