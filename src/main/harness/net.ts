import { createServer } from 'node:net'

/** A port the OS says is free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

/** Whether 127.0.0.1:port can be bound right now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

/**
 * A free port whose port + `offset` is free too: a Redis Cluster node listens on its port and on
 * port + 10000 for the cluster bus, and a bus port taken by another server aborts the node.
 */
export async function freePortPair(offset: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = await freePort()
    if (port + offset <= 65535 && (await bindable(port + offset))) return port
  }
  throw new Error(`no free port with port + ${offset} free as well after 50 tries`)
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, detail?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms${detail ? `\n${detail()}` : ''}`)
}
