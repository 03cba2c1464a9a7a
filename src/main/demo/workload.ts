import { Redis } from 'ioredis'
import pg from 'pg'
import type { MetricsFixture } from '../harness/metrics-fixture'

/** Rows the demo seeds: enough that a missing index shows as real work. */
export const DEMO_CUSTOMERS = 20_000
export const DEMO_ORDERS = 200_000
/** Share of cache reads that find their key: the demo's Redis hit rate. */
export const DEMO_HIT_SHARE = 0.85
/** Customers kept warm in Redis. */
const HOT_CUSTOMERS = 1000

/**
 * The demo schema, with the problems Lookout should point at: `orders.customer_id` has no index
 * (the "orders of a customer" query scans the table), `orders_status_idx` is never used, and
 * `customers_email_idx` is covered by `customers_email_name_idx`.
 */
export const DEMO_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS customers (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
  id bigserial PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,
  total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || CASE WHEN g % 7 = 0 THEN '@example.org' ELSE '@example.com' END
  FROM generate_series(1, ${DEMO_CUSTOMERS}) g ON CONFLICT DO NOTHING;
INSERT INTO orders (customer_id, status, total, created_at)
  SELECT 1 + (g * 7919) % ${DEMO_CUSTOMERS}, (ARRAY['new','paid','shipped','returned'])[1 + g % 4], (g % 500) + 0.99,
         now() - (g % 30) * interval '1 day'
  FROM generate_series(1, ${DEMO_ORDERS}) g
  WHERE NOT EXISTS (SELECT 1 FROM orders LIMIT 1);
CREATE INDEX IF NOT EXISTS orders_status_idx ON orders (status);
CREATE INDEX IF NOT EXISTS customers_email_idx ON customers (email);
CREATE INDEX IF NOT EXISTS customers_email_name_idx ON customers (email, name);
ANALYZE customers; ANALYZE orders;`

/** The demo's queries, from cheap to costly. */
export const DEMO_QUERIES = {
  customerById: 'SELECT id, name, email FROM customers WHERE id = $1',
  ordersOfCustomer: 'SELECT id, status, total FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20',
  dailyReport: `SELECT date_trunc('day', o.created_at) AS day, o.status, count(*), sum(o.total)
    FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.email LIKE '%@example.org'
    GROUP BY 1, 2 ORDER BY 1, 2`,
  placeOrder: 'INSERT INTO orders (customer_id, status, total) VALUES ($1, $2, $3)',
  payOrder: "UPDATE orders SET status = 'paid' WHERE id = (SELECT max(id) FROM orders) AND status = 'new'"
} as const

export interface Workload {
  stop(): Promise<void>
  stats(): { requests: number; hits: number; misses: number; errors: number }
}

export interface WorkloadOptions {
  postgresDsn: string
  redisUrl: string
  metrics: MetricsFixture
  /** Cache reads per second. */
  readsPerSecond?: number
  random?: () => number
}

/**
 * A small web app's traffic: cache-aside reads of customers (about 85% hits), order lookups
 * that need the missing index, order writes, and a slow daily report, each timed into the
 * fixture's request-latency histogram.
 */
export async function startWorkload(opts: WorkloadOptions): Promise<Workload> {
  const random = opts.random ?? Math.random
  const pool = new pg.Pool({ connectionString: opts.postgresDsn, max: 4, application_name: 'demo-app' })
  pool.on('error', () => {})
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, connectionName: 'demo-app' })
  redis.on('error', () => {})
  await pool.query(DEMO_SCHEMA_SQL)
  // Warm the hot set so reads hit from the start.
  const warm = redis.pipeline()
  for (let id = 1; id <= HOT_CUSTOMERS; id++) warm.set(`customer:${id}`, JSON.stringify({ id, name: `customer ${id}` }), 'EX', 3600)
  await warm.exec()

  const counts = { requests: 0, hits: 0, misses: 0, errors: 0 }
  const timed = async (route: string, fn: () => Promise<unknown>) => {
    const end = opts.metrics.requestDuration.startTimer({ method: 'GET', route })
    opts.metrics.inFlight.inc()
    let status = '200'
    try {
      await fn()
    } catch {
      status = '500'
      counts.errors++
    } finally {
      opts.metrics.inFlight.dec()
      end({ status })
      opts.metrics.requests.inc({ method: 'GET', route, status })
      counts.requests++
    }
  }

  const readCustomer = () =>
    timed('/customers/:id', async () => {
      // Hot customers are cached; the rest come from a large cold range that is never warm.
      const id =
        random() < DEMO_HIT_SHARE
          ? 1 + Math.floor(random() * HOT_CUSTOMERS)
          : HOT_CUSTOMERS + 1 + Math.floor(random() * (DEMO_CUSTOMERS - HOT_CUSTOMERS))
      const cached = await redis.get(`customer:${id}`)
      if (cached !== null) {
        counts.hits++
        opts.metrics.cacheRequests.inc({ result: 'hit' })
        return
      }
      counts.misses++
      opts.metrics.cacheRequests.inc({ result: 'miss' })
      const row = await pool.query(DEMO_QUERIES.customerById, [id])
      // Short TTL: cold customers fall out again, keeping the hit rate where the demo wants it.
      await redis.set(`customer:${id}`, JSON.stringify(row.rows[0] ?? null), 'EX', 2)
    })
  const ordersOfCustomer = () =>
    timed('/customers/:id/orders', () => pool.query(DEMO_QUERIES.ordersOfCustomer, [1 + Math.floor(random() * DEMO_CUSTOMERS)]))
  const placeOrder = () =>
    timed('/orders', async () => {
      await pool.query(DEMO_QUERIES.placeOrder, [1 + Math.floor(random() * DEMO_CUSTOMERS), 'new', (random() * 200).toFixed(2)])
      await pool.query(DEMO_QUERIES.payOrder)
    })
  const dailyReport = () => timed('/reports/daily', () => pool.query(DEMO_QUERIES.dailyReport))

  const lockScene = startLockScene(opts.postgresDsn)
  const readsPerSecond = opts.readsPerSecond ?? 40
  const timers = [
    setInterval(() => void readCustomer(), Math.max(5, Math.round(1000 / readsPerSecond))),
    setInterval(() => void ordersOfCustomer(), 500),
    setInterval(() => void placeOrder(), 250),
    setInterval(() => void dailyReport(), 5000)
  ]
  return {
    stats: () => ({ ...counts }),
    async stop() {
      for (const t of timers) clearInterval(t)
      await lockScene.stop()
      redis.disconnect()
      await pool.end().catch(() => {})
    }
  }
}

/** After its blocker is cancelled or terminated, the lock scene plays again this much later. */
export const LOCK_SCENE_REPLAY_MS = 15_000

/**
 * The incident the Activity view is for: a "report job" that opened a transaction, locked a
 * customer row and went idle, and a "checkout" session blocked behind it. When someone ends the
 * blocker from Lookout, the checkout goes through and the scene plays again later.
 */
function startLockScene(dsn: string): { stop(): Promise<void> } {
  let stopped = false
  let clients: pg.Client[] = []
  let timer: NodeJS.Timeout | null = null
  const open = async (name: string) => {
    const c = new pg.Client({ connectionString: dsn, application_name: name })
    c.on('error', () => {})
    await c.connect()
    return c
  }
  const play = async () => {
    if (stopped) return
    try {
      const blocker = await open('demo-report-job')
      const blocked = await open('demo-checkout')
      clients = [blocker, blocked]
      await blocker.query('BEGIN')
      await blocker.query('SELECT * FROM customers WHERE id = 1 FOR UPDATE')
      blocker.once('end', replay)
      void blocked.query("UPDATE customers SET name = 'customer 1' WHERE id = 1").then(replay, replay)
    } catch {
      replay()
    }
  }
  const replay = () => {
    if (stopped || timer) return
    for (const c of clients) c.end().catch(() => {})
    clients = []
    timer = setTimeout(() => {
      timer = null
      void play()
    }, LOCK_SCENE_REPLAY_MS)
  }
  void play()
  return {
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      await Promise.allSettled(clients.map((c) => c.end()))
    }
  }
}
