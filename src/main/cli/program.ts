import { mkdtempSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buffer as readBuffer } from 'node:stream/consumers'
import { createRequire } from 'node:module'
import type { Command as CommandType } from 'commander'
import { LOOKOUT_VERSION } from '../core/version'
import { defaultDataDir } from './paths'
import type { Headless } from './serve-command'
import type { CheckOptions } from './check-command'
import type { ExplainOptions } from './explain-command'
import type { profilesImport } from './profiles-command'
import type { ReportOptions } from './report-command'

// Each command loads what it needs when it runs, not before: `lookout metrics lint` in a CI loop
// must not pay for the core, the database drivers and the web server (see bench/cli-start.ts).
// commander is a CommonJS package: required, it skips the ESM loader's scan of its exports (30 ms).
const { Command, InvalidArgumentError, Option } = createRequire(import.meta.url)('commander') as typeof import('commander')
type Command = CommandType

function portNumber(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535')
  return n
}

/** The flags every pattern job (`cache invalidate`, `cache expire`) takes. */
interface PatternJobFlags {
  redis?: string
  profile?: string
  pattern: string
  dryRun?: boolean
  yes?: boolean
  confirm?: string
  dataDir: string
}

function patternJobOptions(cmd: Command, example: string, yes: string): Command {
  return cmd
    .option('--redis <url>', 'redis:// or rediss:// URL (password in the URL or REDISCLI_AUTH)')
    .option('--profile <name>', 'a saved profile')
    .requiredOption('--pattern <glob>', `Redis glob pattern, e.g. "${example}"`)
    .option('--dry-run', 'only estimate how many keys match')
    .option('--yes', `${yes} (the confirmation; a prod profile also needs --confirm NAME)`)
    .option('--confirm <name>', "the prod profile's name, typed")
    .option('--data-dir <dir>', 'where profiles and the audit log are kept', defaultDataDir())
}

export function buildProgram(): Command {
  const program = new Command()
  program.name('lookout').description('Observability console for PostgreSQL, Redis and Prometheus.').version(LOOKOUT_VERSION)

  program
    .command('serve')
    .description('run the console headless: the UI over HTTP and the API over a WebSocket, behind a random token')
    .addOption(new Option('--port <n>', 'port to listen on (0 = any free port)').argParser(portNumber).default(0))
    .option('--host <host>', 'address to bind; anything but loopback is exposed to the network', '127.0.0.1')
    .option('--data-dir <dir>', 'where profiles are kept', defaultDataDir())
    .option('--profile <name>', 'start monitoring this profile at once')
    .option(
      '--allow-host <name...>',
      'a host name the browser may use to reach this server (e.g. the jump host’s DNS name); loopback and, on 0.0.0.0, the machine’s own names are always allowed'
    )
    .action(async (o: { port: number; host: string; dataDir: string; profile?: string; allowHost?: string[] }) => {
      const { startHeadless, untilSignal } = await import('./serve-command')
      const { SECRET_FILE, SecretFileError } = await import('../core/profiles/secret-file')
      const { MEMORY_ONLY_WARNING } = await import('./secrets')
      let h: Headless
      try {
        h = await startHeadless({ dataDir: o.dataDir, host: o.host, port: o.port, allowHosts: o.allowHost })
      } catch (err) {
        if (!(err instanceof SecretFileError)) throw err
        console.error(`lookout serve: ${err.message}`)
        process.exit(2)
      }
      const info = await h.core.dispatch('app.info', {})
      const storage = info.ok ? (info.result as { secretStorage: { persistent: boolean; warning: string | null } }).secretStorage : null
      console.error(
        storage?.persistent
          ? `secrets: encrypted in ${join(o.dataDir, SECRET_FILE)}`
          : `secrets: ${storage?.warning ?? MEMORY_ONLY_WARNING}`
      )
      if (o.profile) {
        const r = await h.core.dispatch('monitor.start', { profile: o.profile })
        if (!r.ok) console.error(`cannot start profile ${o.profile}: ${r.error.message}`)
      }
      console.log(`Lookout is serving at ${h.server.urlWithToken}`)
      console.log('Open that URL in a browser. Ctrl-C stops.')
      await untilSignal()
      await h.close()
    })

  program
    .command('demo')
    .description('start throw-away PostgreSQL, Redis and Prometheus servers with a workload, and open the console on them')
    .addOption(new Option('--port <n>', 'port for the headless console (0 = any free port)').argParser(portNumber).default(0))
    .option('--headless', 'serve the console over HTTP even when Electron is installed')
    .option('--poll <ms>', 'poll interval of the demo profile in milliseconds', (v) => Number(v), 1000)
    .action(async (o: { port: number; headless?: boolean; poll: number }) => {
      const { startDemo, DEMO_PROFILE } = await import('../demo/demo')
      const { startHeadless, untilSignal } = await import('./serve-command')
      const { canOpenWindow, electronBinary, launchElectron } = await import('./electron-launch')
      const { headlessSecretStore } = await import('./secrets')
      const { MemorySecretStore } = await import('../core/ports')
      const log = (m: string) => console.error(`demo: ${m}`)
      const demo = await startDemo(log, o.poll)
      // A throw-away data dir: the demo profile points at ports that die with the demo.
      const dataDir = mkdtempSync(join(tmpdir(), 'lookout-demo-'))
      const cleanup = async () => {
        await demo.stop()
        rmSync(dataDir, { recursive: true, force: true })
      }
      try {
        const electron = o.headless ? null : electronBinary()
        if (electron && canOpenWindow()) {
          log('opening the Lookout window...')
          const child = launchElectron(electron, { LOOKOUT_DATA_DIR: dataDir, LOOKOUT_OPEN_PROFILE_JSON: JSON.stringify(demo.profile) })
          await Promise.race([new Promise((r) => child.once('exit', r)), untilSignal()])
          child.kill()
        } else {
          if (!o.headless) log('Electron is not installed here (or there is no display): serving the console headless instead.')
          // The demo's secrets are throw-away: memory, unless LOOKOUT_SECRET_PASSPHRASE is set, when
          // they go to the data dir's encrypted file so `lookout report --data-dir` can reach the servers.
          const secrets = process.env.LOOKOUT_SECRET_PASSPHRASE ? await headlessSecretStore(dataDir) : new MemorySecretStore()
          const h = await startHeadless({ dataDir, host: '127.0.0.1', port: o.port, quiet: true, secrets })
          const saved = await h.core.dispatch('profiles.save', { profile: demo.profile, replace: true })
          if (!saved.ok) throw new Error(saved.error.message)
          const started = await h.core.dispatch('monitor.start', { profile: DEMO_PROFILE })
          if (!started.ok) throw new Error(started.error.message)
          log(`data directory ${dataDir}: lookout report --data-dir ${dataDir} --profile demo --since 10m --out report.html`)
          console.log(`Lookout demo is serving at ${h.server.urlWithToken}`)
          console.log('Open that URL in a browser. Ctrl-C stops the demo and its servers.')
          await untilSignal()
          await h.close()
        }
      } finally {
        log('stopping the demo servers...')
        await cleanup()
      }
    })
  const metrics = program.command('metrics').description('work with Prometheus exposition pages')
  metrics
    .command('lint')
    .description(
      'check a /metrics page: FILE:LINE:COLUMN: error (Prometheus would refuse it; exit 1) or warning (the written format broken, Prometheus takes it; exit 0, 1 with --strict)'
    )
    .argument('[file]', 'the page to check, or - for standard input', '-')
    .addOption(
      new Option('--format <format>', 'exposition format (auto: OpenMetrics when the page ends with # EOF)')
        .choices(['auto', 'text', 'openmetrics'])
        .default('auto')
    )
    .option('--json', 'print the parsed families (and the warnings) as JSON')
    .option('--strict', 'every rule of the written format is an error (exit 1), not only what Prometheus refuses')
    .action(async (file: string, o: { format: 'auto' | 'text' | 'openmetrics'; json?: boolean; strict?: boolean }) => {
      const { lintPage } = await import('./metrics-lint')
      const page = file === '-' ? Buffer.from(await readBuffer(process.stdin)) : await readFile(file)
      process.exitCode = lintPage(
        page,
        { source: file === '-' ? '<stdin>' : file, format: o.format, json: Boolean(o.json), strict: Boolean(o.strict) },
        {
          out: (t) => process.stdout.write(t),
          err: (t) => process.stderr.write(t)
        }
      )
    })

  program
    .command('check')
    .description('run every check once against Postgres and/or Redis and print the findings; exit 1 when one reaches --fail-on')
    .option('--profile <name>', 'a saved profile (its Postgres and Redis, with its thresholds)')
    .option('--postgres <url>', 'postgres:// DSN (password in the URL, PGPASSWORD or ~/.pgpass)')
    .option('--redis <url>', 'redis:// or rediss:// URL (password in the URL or REDISCLI_AUTH)')
    .option('--json', 'print JSON: each finding with its check, object, figure, threshold and severity')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at least this severe')
        .choices(['info', 'warning', 'critical', 'never'])
        .default('critical')
    )
    .option('--data-dir <dir>', 'where profiles are kept', defaultDataDir())
    .action(
      async (o: {
        profile?: string
        postgres?: string
        redis?: string
        json?: boolean
        failOn: CheckOptions['failOn']
        dataDir: string
      }) => {
        const { runCheck } = await import('./check-command')
        process.exitCode = await runCheck(
          { ...o, json: Boolean(o.json) },
          { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }
        )
      }
    )

  program
    .command('explain')
    .description('analyse a saved plan (--plan-file), or EXPLAIN a statement on a target in a transaction that is always rolled back')
    .option('--plan-file <file>', 'a plan saved as JSON or text (psql, pgAdmin, auto_explain), analysed without connecting')
    .option('--profile <name>', 'a saved profile')
    .option('--postgres <url>', 'postgres:// DSN (password in the URL, PGPASSWORD or ~/.pgpass)')
    .option('--query <sql>', 'the statement')
    .option('--query-file <file>', 'a file holding the statement')
    .option(
      '--analyze',
      'run it (EXPLAIN ANALYZE); a statement that writes also needs --yes, and is refused on prod and read-only profiles'
    )
    .option(
      '--param <value>',
      'a value for $1, $2, ... in order (repeatable); bound, never spliced',
      (v: string, all: string[]) => [...all, v],
      []
    )
    .option('--yes', 'confirm running a statement that writes (it is rolled back)')
    .option('--confirm <name>', "the prod profile's name, typed")
    .option('--json', 'print the analysed model and the advice as JSON')
    .option('--data-dir <dir>', 'where profiles and the audit log are kept', defaultDataDir())
    .action(async (o: Omit<ExplainOptions, 'analyze' | 'yes' | 'json'> & { analyze?: boolean; yes?: boolean; json?: boolean }) => {
      const { runExplainCommand } = await import('./explain-command')
      process.exitCode = await runExplainCommand(
        { ...o, analyze: Boolean(o.analyze), yes: Boolean(o.yes), json: Boolean(o.json) },
        { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }
      )
    })

  const cache = program.command('cache').description('guarded cache commands on Redis')
  const invalidateCmd = cache
    .command('invalidate')
    .description(
      'delete the keys matching a pattern: dry run first, SCAN + UNLINK in batches, progress on stderr, exact counts on stdout; Ctrl-C cancels'
    )
  patternJobOptions(invalidateCmd, 'cache:v1:*', 'really delete').action(async (o: PatternJobFlags) => {
    const { cacheInvalidate } = await import('./cache-commands')
    process.exitCode = await cacheInvalidate({ ...o, dryRun: Boolean(o.dryRun), yes: Boolean(o.yes) })
  })

  const expireCmd = cache
    .command('expire')
    .description(
      "set (--ttl SECONDS) or clear (--persist) the TTL of the keys matching a pattern: the invalidation job's dry run, guard, batches, progress, exact counts and Ctrl-C, with EXPIRE or PERSIST"
    )
    .option('--ttl <seconds>', 'the TTL to set, in whole seconds')
    .option('--persist', 'clear the TTL instead (the keys no longer expire)')
  patternJobOptions(expireCmd, 'session:*', 'really change them').action(
    async (o: PatternJobFlags & { ttl?: string; persist?: boolean }) => {
      if ((o.ttl === undefined) === !o.persist) {
        process.stderr.write('lookout cache expire: give exactly one of --ttl SECONDS or --persist\n')
        process.exitCode = 2
        return
      }
      const { ttl, persist: _persist, ...rest } = o
      const { cacheInvalidate } = await import('./cache-commands')
      process.exitCode = await cacheInvalidate({
        ...rest,
        dryRun: Boolean(o.dryRun),
        yes: Boolean(o.yes),
        ttl: { seconds: ttl === undefined ? null : Number(ttl) }
      })
    }
  )

  cache
    .command('warm')
    .description('load a file of commands (redis-cli inline syntax) or JSON lines into the cache in pipelined batches; Ctrl-C cancels')
    .requiredOption(
      '--file <file>',
      'the commands: SET/SETEX/HSET/SADD/ZADD/RPUSH/LPUSH/EXPIRE..., one per line; or JSON lines with --format jsonl'
    )
    .addOption(new Option('--format <format>', 'how the file is written').choices(['commands', 'jsonl']).default('commands'))
    .option('--redis <url>', 'redis:// or rediss:// URL (password in the URL or REDISCLI_AUTH)')
    .option('--profile <name>', 'a saved profile')
    .option('--yes', 'really write (the confirmation; a prod profile also needs --confirm NAME)')
    .option('--confirm <name>', "the prod profile's name, typed")
    .option('--data-dir <dir>', 'where profiles and the audit log are kept', defaultDataDir())
    .action(
      async (o: {
        file: string
        format: 'commands' | 'jsonl'
        redis?: string
        profile?: string
        yes?: boolean
        confirm?: string
        dataDir: string
      }) => {
        const { cacheWarm } = await import('./cache-warm')
        process.exitCode = await cacheWarm(
          { ...o, yes: Boolean(o.yes) },
          { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }
        )
      }
    )

  cache
    .command('inspect')
    .description("show a key's type, TTL, encoding, memory, length and a bounded preview (reads only)")
    .argument('<key>', 'the key')
    .option('--redis <url>', 'redis:// or rediss:// URL (password in the URL or REDISCLI_AUTH)')
    .option('--profile <name>', 'a saved profile')
    .option('--json', 'print JSON')
    .option('--data-dir <dir>', 'where profiles are kept', defaultDataDir())
    .action(async (key: string, o: { redis?: string; profile?: string; json?: boolean; dataDir: string }) => {
      const { cacheInspect } = await import('./cache-commands')
      process.exitCode = await cacheInspect({ ...o, key, json: Boolean(o.json) })
    })

  const profiles = program.command('profiles').description('saved connection profiles (never their secrets)')
  const dataDirOption = (c: Command) => c.option('--data-dir <dir>', 'where profiles are kept', defaultDataDir())
  const io = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t) }
  const profilesCommand: (typeof import('./profiles-command'))['profilesCommand'] = async (...a) =>
    (await import('./profiles-command')).profilesCommand(...a)
  const rulesCommand: (typeof import('./rules-command'))['rulesCommand'] = async (...a) =>
    (await import('./rules-command')).rulesCommand(...a)
  const historyCommand: (typeof import('./history-command'))['historyCommand'] = async (...a) =>
    (await import('./history-command')).historyCommand(...a)
  dataDirOption(profiles.command('list').description('one line per profile: environment, targets, which secrets are set'))
    .option('--json', 'print them as JSON')
    .action(async (o: { json?: boolean; dataDir: string }) => {
      process.exitCode = await profilesCommand('list', o, io)
    })
  dataDirOption(profiles.command('show').description('one profile as JSON, without its secrets').argument('<name>')).action(
    async (name: string, o: { dataDir: string }) => {
      process.exitCode = await profilesCommand('show', { ...o, name }, io)
    }
  )
  dataDirOption(profiles.command('export').description('every profile without its secrets, for a team to share'))
    .option('--file <file>', 'write there instead of standard output')
    .action(async (o: { file?: string; dataDir: string }) => {
      process.exitCode = await profilesCommand('export', o, io)
    })
  dataDirOption(
    profiles
      .command('restore-backup')
      .description('put profiles.json.bak in place of profiles.json, keeping the file it replaces aside (says what is wrong with it first)')
  )
    .option('--yes', 'the confirmation')
    .action(async (o: { yes?: boolean; dataDir: string }) => {
      process.exitCode = await profilesCommand('restore-backup', o, io)
    })
  dataDirOption(profiles.command('delete').description('delete a profile and its secrets').argument('<name>'))
    .option('--yes', 'the confirmation (a prod profile also needs --confirm NAME)')
    .option('--confirm <name>', "the prod profile's name, typed")
    .action(async (name: string, o: { yes?: boolean; confirm?: string; dataDir: string }) => {
      process.exitCode = await profilesCommand('delete', { ...o, name }, io)
    })
  dataDirOption(
    profiles
      .command('test')
      .description('reach each target step by step: DNS, TCP, TLS, authentication, version, privileges')
      .argument('<name>')
  )
    .option('--json', 'print the steps as JSON')
    .action(async (name: string, o: { json?: boolean; dataDir: string }) => {
      process.exitCode = await profilesCommand('test', { ...o, name }, io)
    })
  dataDirOption(
    profiles
      .command('import')
      .description(
        'profiles from pg_service.conf, .pgpass or the PG* variables (matched as libpq does), a file `profiles export` wrote, or URLs'
      )
  )
    .requiredOption(
      '--from <source...>',
      'pg-service, pgpass, env, a file of exported profiles, or one or more postgres://, redis://, rediss://, redis+sentinel:// or Prometheus http(s):// URLs'
    )
    .addOption(
      new Option(
        '--environment <env>',
        'the environment of every imported profile: dev, staging, prod or a name of your own (else guessed from each name; prod when unclear)'
      )
    )
    .option('--only <name...>', 'import only these profiles')
    .option('--dry-run', 'only show what would be imported')
    .option('--yes', 'import (without it, the plan is shown and nothing is done)')
    .option('--confirm <name>', "a prod profile's name, to give it a new password")
    .option('--json', 'print the plan as JSON')
    .action(async (o: Parameters<typeof profilesImport>[0]) => {
      const { profilesImport } = await import('./profiles-command')
      process.exitCode = await profilesImport(o, io)
    })

  const rules = program.command('rules').description('alert rules as Prometheus rule files: export, check, test, import')
  dataDirOption(rules.command('export').description('the profile’s rules that PromQL can express, as a Prometheus rule file'))
    .requiredOption('--profile <name>', 'a saved profile')
    .option('--out <file>', 'write there instead of standard output')
    .action(async (o: { profile: string; out?: string; dataDir: string }) => {
      process.exitCode = await rulesCommand('export', o, io)
    })
  dataDirOption(
    rules.command('check').description('read a Prometheus rule file as Lookout imports it; exit 1 on a problem').argument('<file>')
  ).action(async (file: string, o: { dataDir: string }) => {
    process.exitCode = await rulesCommand('check', { ...o, file }, io)
  })
  dataDirOption(
    rules
      .command('import')
      .description('import a Prometheus rule file’s alerting rules into a profile, evaluated on its Prometheus (nothing on a problem)')
      .argument('<file>')
  )
    .requiredOption('--profile <name>', 'a saved profile with a Prometheus server')
    .action(async (file: string, o: { profile: string; dataDir: string }) => {
      process.exitCode = await rulesCommand('import', { ...o, file }, io)
    })
  dataDirOption(
    rules
      .command('test')
      .description('poll the profile’s targets, evaluate its rules once and print what would fire (exit 1 when one would)')
  )
    .requiredOption('--profile <name>', 'a saved profile')
    .option('--json', 'print each rule’s instances as JSON')
    .option('--timeout <s>', 'seconds to wait for the targets’ polls', (v) => {
      const n = Number(v)
      if (!Number.isFinite(n) || n < 1 || n > 120) throw new InvalidArgumentError('from 1 to 120 seconds')
      return n
    })
    .action(async (o: { profile: string; json?: boolean; timeout?: number; dataDir: string }) => {
      process.exitCode = await rulesCommand('test', o, io)
    })

  const history = program.command('history').description('the local history (charts, statements, timeline): where it is, its size, pruning')
  dataDirOption(history.command('info').description('where the history is, how big it is, its retention, what each profile has in it'))
    .option('--json', 'print it as JSON')
    .action(async (o: { dataDir: string; json?: boolean }) => {
      process.exitCode = await historyCommand('info', o, io)
    })
  dataDirOption(history.command('prune').description('delete history older than an age, or all of it, of one profile or every one'))
    .option('--older-than <age>', 'what is older than this: 30m, 12h, 7d, 2w')
    .option('--all', 'all of it (with --profile, that profile’s only)')
    .option('--profile <name>', 'one profile’s history (it may have been deleted)')
    .option('--yes', 'confirm (a prod profile also needs --confirm NAME)')
    .option('--confirm <name>', "the prod profile's name, typed")
    .action(async (o: { dataDir: string; olderThan?: string; all?: boolean; profile?: string; yes?: boolean; confirm?: string }) => {
      process.exitCode = await historyCommand('prune', o, io)
    })

  dataDirOption(
    program
      .command('report')
      .description('write a self-contained HTML performance report of a profile over a window (exit 3: partial, a target was unreachable)')
  )
    .requiredOption('--profile <name>', 'the profile to report on')
    .option('--since <age>', 'the window: the last 30m, 1h, 7d...')
    .option('--from <time>', 'the window’s start: ISO 8601, Unix seconds, or an age ago (2h)')
    .option('--to <time>', 'its end (default: now)')
    .option('--compare-to <age>', 'also the same window this long before (1d, 1w): a before/after report')
    .option('--duration <age>', 'when nothing holds the window: poll the profile this long first (30s, 10m)')
    .requiredOption('--out <file>', 'where to write the report (- for standard output)')
    .option('--anonymise', 'replace literals, key names and label values')
    .option('--json', 'print what was written as JSON')
    .action(async (o: ReportOptions) => {
      const { reportCommand } = await import('./report-command')
      process.exitCode = await reportCommand(o, { ...io, progress: process.stderr.isTTY ? io.err : undefined })
    })

  const audit = program.command('audit').description('the audit log of every mutating action')
  audit
    .command('verify')
    .description('check the audit log’s hash chain: names the first line altered or after which lines were removed')
    .option('--file <file>', 'an audit log to check (default: audit.log in the data directory)')
    .option('--json', 'print the verdict as JSON')
    .option('--data-dir <dir>', 'where the audit log is kept', defaultDataDir())
    .action(async (o: { file?: string; json?: boolean; dataDir: string }) => {
      const { auditVerify } = await import('./audit-command')
      process.exitCode = await auditVerify(
        { ...o, json: Boolean(o.json) },
        { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }
      )
    })

  return program
}
