import { Alert } from '../../src/shared/schemas'
import { beforeEach, describe, expect, it, vi } from 'vitest'

// The Electron binary cannot run here: the shell is tested against a fake of the few Electron
// APIs it touches, recording what it was asked to do.
const fake = vi.hoisted(() => {
  const windows: {
    options: Record<string, any>
    handlers: Record<string, (...a: any[]) => any>
    openHandler?: (d: { url: string }) => { action: string }
    loaded?: string
  }[] = []
  const opened: string[] = []
  const permission: { request?: (...a: any[]) => void; check?: (...a: any[]) => boolean; download?: (...a: any[]) => void } = {}
  class BrowserWindow {
    webContents: any
    constructor(options: Record<string, any>) {
      const rec: (typeof windows)[number] = { options, handlers: {} }
      windows.push(rec)
      this.webContents = {
        on: (ev: string, fn: any) => (rec.handlers[ev] = fn),
        setWindowOpenHandler: (fn: any) => (rec.openHandler = fn)
      }
      this.loadURL = (u: string) => {
        rec.loaded = u
        return Promise.resolve()
      }
    }
    loadURL: (u: string) => Promise<void>
    once() {}
    show() {}
  }
  const protocolHandlers: Record<string, (req: Request) => Promise<Response>> = {}
  const fetched: string[] = []
  return {
    windows,
    opened,
    permission,
    protocolHandlers,
    fetched,
    module: {
      protocol: { handle: (scheme: string, fn: any) => (protocolHandlers[scheme] = fn), registerSchemesAsPrivileged: () => {} },
      net: {
        fetch: async (url: string) => {
          fetched.push(url)
          return new Response('<!doctype html>', { status: 200, headers: { 'content-type': 'text/html' } })
        }
      },
      safeStorage: {
        isEncryptionAvailable: () => true,
        encryptString: (s: string) => Buffer.from(s),
        decryptString: (b: Buffer) => b.toString()
      },
      dialog: {},
      Notification: class {
        static isSupported = (): boolean => true
        static made: any[] = []
        handlers: Record<string, () => void> = {}
        constructor(readonly opts: { title: string; body: string; urgency: string }) {
          ;(this.constructor as any).made.push(this)
        }
        on(event: string, fn: () => void) {
          this.handlers[event] = fn
        }
        show() {}
      } as any,
      BrowserWindow,
      shell: { openExternal: (u: string) => (opened.push(u), Promise.resolve()) },
      session: {
        defaultSession: {
          setPermissionRequestHandler: (fn: any) => (permission.request = fn),
          setPermissionCheckHandler: (fn: any) => (permission.check = fn),
          on: (ev: string, fn: any) => ev === 'will-download' && (permission.download = fn)
        }
      }
    }
  }
})
vi.mock('electron', () => fake.module)

import { allowRunbooks, createMainWindow, hardenApp, lockDownSession } from '../../src/main/shell/window'
import { serveRenderer } from '../../src/main/shell/protocol'
import { desktopNotifier, desktopSecretStore, SafeStorageSecretStore, secretStorageWarning } from '../../src/main/shell/ports'
import { fileSecretStore } from '../../src/main/core/profiles/secret-source'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { tempDir } from '../helpers/temp'
import { bindIpc } from '../../src/main/shell/ipc'
import { trayTitle } from '../../src/main/shell/tray'
import { externalUrlAllowed, RENDERER_CSP, senderAllowed } from '../../src/main/shell/security'
import { IPC_REQUEST_CHANNEL } from '../../src/shared/api'

beforeEach(() => {
  fake.windows.length = 0
  fake.opened.length = 0
})

describe('the main window', () => {
  it('sets every security-relevant webPreferences explicitly', () => {
    createMainWindow('/app/out/preload/index.cjs')
    const wp = fake.windows[0]!.options.webPreferences
    expect(wp).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      enableBlinkFeatures: '',
      navigateOnDragDrop: false
    })
    // Nothing that would switch a Blink feature on or off behind the policy's back.
    expect(wp).not.toHaveProperty('disableBlinkFeatures')
    expect(wp).not.toHaveProperty('additionalArguments')
  })

  it('denies redirects away from the app and every webview, on the window and on any web contents the app creates', () => {
    createMainWindow('/p.cjs')
    const h = fake.windows[0]!.handlers
    const redirect = { preventDefault: vi.fn() }
    h['will-redirect']!(redirect, 'https://evil.example/')
    expect(redirect.preventDefault).toHaveBeenCalled()
    const webview = { preventDefault: vi.fn() }
    h['will-attach-webview']!(webview)
    expect(webview.preventDefault).toHaveBeenCalled()

    // Any other web contents, as the app creates it, gets the same handlers.
    const appHandlers: Record<string, (...a: any[]) => void> = {}
    hardenApp({ on: (ev: string, fn: any) => (appHandlers[ev] = fn) } as never)
    const other: { handlers: Record<string, (...a: any[]) => any>; open?: (d: { url: string }) => { action: string } } = { handlers: {} }
    appHandlers['web-contents-created']!(
      {},
      {
        on: (ev: string, fn: any) => (other.handlers[ev] = fn),
        setWindowOpenHandler: (fn: any) => (other.open = fn)
      }
    )
    for (const ev of ['will-navigate', 'will-redirect']) {
      const e = { preventDefault: vi.fn() }
      other.handlers[ev]!(e, 'https://evil.example/')
      expect(e.preventDefault, ev).toHaveBeenCalled()
    }
    const w = { preventDefault: vi.fn() }
    other.handlers['will-attach-webview']!(w)
    expect(w.preventDefault).toHaveBeenCalled()
    expect(other.open!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' })
  })

  it('loads the renderer from the custom scheme, not file://', () => {
    createMainWindow('/p.cjs')
    expect(fake.windows[0]!.loaded).toBe('lookout://app/index.html')
  })

  it('denies navigation away from the app', () => {
    createMainWindow('/p.cjs')
    const nav = fake.windows[0]!.handlers['will-navigate']!
    const outside = { preventDefault: vi.fn() }
    nav(outside, 'https://evil.example/')
    expect(outside.preventDefault).toHaveBeenCalled()
    const inside = { preventDefault: vi.fn() }
    nav(inside, 'lookout://app/index.html#x')
    expect(inside.preventDefault).not.toHaveBeenCalled()
    const fileUrl = { preventDefault: vi.fn() }
    nav(fileUrl, 'file:///etc/passwd')
    expect(fileUrl.preventDefault).toHaveBeenCalled()
  })

  it('never opens a window; sends only allowlisted links to the browser', () => {
    createMainWindow('/p.cjs')
    const open = fake.windows[0]!.openHandler!
    expect(open({ url: 'https://www.postgresql.org/docs/current/monitoring-stats.html' })).toEqual({ action: 'deny' })
    expect(open({ url: 'https://evil.example/' })).toEqual({ action: 'deny' })
    expect(open({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' })
    expect(fake.opened).toEqual(['https://www.postgresql.org/docs/current/monitoring-stats.html'])
  })

  it('opens an alert’s runbook in the browser, exactly as the rule has it, and no other link', () => {
    allowRunbooks(() => new Set(['http://wiki.internal/runbooks/redis-hit-rate', 'https://u:p@wiki.internal/x']))
    createMainWindow('/p.cjs')
    const open = fake.windows[0]!.openHandler!
    expect(open({ url: 'http://wiki.internal/runbooks/redis-hit-rate' })).toEqual({ action: 'deny' })
    open({ url: 'http://wiki.internal/runbooks/other' })
    open({ url: 'https://u:p@wiki.internal/x' })
    expect(fake.opened).toEqual(['http://wiki.internal/runbooks/redis-hit-rate'])
    allowRunbooks(() => new Set())
  })

  it('denies every permission request and check', () => {
    lockDownSession()
    const cb = vi.fn()
    fake.permission.request!(null, 'notifications', cb)
    expect(cb).toHaveBeenCalledWith(false)
    expect(fake.permission.check!(null, 'media')).toBe(false)
  })

  it('lets only a report the app built as a blob download, through a save dialog with a safe name; refuses any other download', () => {
    lockDownSession()
    const item = (url: string, name: string) => ({ getURL: () => url, getFilename: () => name, setSaveDialogOptions: vi.fn() })
    const report = item('blob:lookout://app/6f1c2f0e-8a55-4a3b-9d0e-1234567890ab', 'lookout-report-demo-20261202-1041.html')
    const ok = { preventDefault: vi.fn() }
    fake.permission.download!(ok, report)
    expect(ok.preventDefault).not.toHaveBeenCalled()
    expect(report.setSaveDialogOptions).toHaveBeenCalledWith({
      title: 'Export report',
      defaultPath: 'lookout-report-demo-20261202-1041.html',
      filters: [{ name: 'HTML report', extensions: ['html'] }]
    })
    // A hostile suggested name cannot climb out of the folder the user picks.
    const odd = item('blob:lookout://app/x', '../../.bashrc')
    fake.permission.download!({ preventDefault: vi.fn() }, odd)
    expect(odd.setSaveDialogOptions.mock.calls[0]![0].defaultPath).toBe('_.._.bashrc.html')
    for (const url of [
      'https://evil.example/payload.exe',
      'blob:https://evil.example/x',
      'data:text/html,x',
      'file:///etc/passwd',
      'blob:lookout://other/x'
    ]) {
      const e = { preventDefault: vi.fn() }
      const it = item(url, 'x.html')
      fake.permission.download!(e, it)
      expect(e.preventDefault, url).toHaveBeenCalled()
      expect(it.setSaveDialogOptions).not.toHaveBeenCalled()
    }
  })
})

describe('the CSP', () => {
  it('allows only own scripts, no inline or eval, no remote content', () => {
    expect(RENDERER_CSP).toContain("default-src 'none'")
    expect(RENDERER_CSP).toContain("script-src 'self'")
    expect(RENDERER_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/)
    expect(RENDERER_CSP).toContain("object-src 'none'")
    expect(RENDERER_CSP).toContain("frame-ancestors 'none'")
  })
})

describe('the custom protocol', () => {
  it('sends the CSP and nosniff with every renderer response, and serves nothing outside the renderer or the app host', async () => {
    serveRenderer('/srv/renderer')
    const handle = fake.protocolHandlers['lookout']!
    const res = await handle(new Request('lookout://app/index.html'))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toBe(RENDERER_CSP)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(fake.fetched.at(-1)).toBe('file:///srv/renderer/index.html')
    expect((await handle(new Request('lookout://evil/index.html'))).status).toBe(404)
    expect((await handle(new Request('lookout://app/a%00b'))).status).toBe(404)
    await handle(new Request('lookout://app/%2e%2e/%2e%2e/etc/passwd'))
    expect(fake.fetched.at(-1)).toBe('file:///srv/renderer/etc/passwd')
  })
})

describe('release fuses', () => {
  it('the packaging config turns off running as Node, NODE_OPTIONS, --inspect and loading outside the checked asar', () => {
    const config = parseYaml(readFileSync(join(__dirname, '../../electron-builder.yml'), 'utf8'))
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false
    })
  })
})

describe('secrets in the desktop app', () => {
  const ss = (backend: string, available = true) => ({
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (s: string) => Buffer.from('enc:' + s),
    decryptString: (b: Buffer) => b.toString().slice(4)
  })

  it('on Linux with the basic_text backend (a fixed key), nothing is written and the user is told why', async () => {
    expect(secretStorageWarning(ss('basic_text'), 'linux')).toMatch(/basic_text.*memory only/)
    expect(secretStorageWarning(ss('gnome_libsecret'), 'linux')).toBeNull()
    expect(secretStorageWarning(ss('basic_text', false), 'darwin')).toMatch(/no encryption/)
    const dir = tempDir()
    const store = new SafeStorageSecretStore(dir, ss('basic_text'), 'linux')
    expect(store.persistent).toBe(false)
    await store.set('profile/p/postgres', 'pw-basic-text')
    expect(await store.get('profile/p/postgres')).toBe('pw-basic-text')
    expect(existsSync(join(dir, 'secrets.bin'))).toBe(false)
  })

  it('with basic_text, falls back to the encrypted file when a passphrase or the OS keyring keys it; a file that will not open is said so', async () => {
    const dir = tempDir()
    const withPassphrase = (d: string) => fileSecretStore(d, { env: { LOOKOUT_SECRET_PASSPHRASE: 'desk top' }, keyring: null })
    const store = await desktopSecretStore(dir, ss('basic_text'), 'linux', withPassphrase)
    expect(store).toMatchObject({ persistent: true, warning: null })
    await store.set('profile/p/postgres', 'pw-file')
    expect(existsSync(join(dir, 'secrets.bin'))).toBe(false)
    expect(readFileSync(join(dir, 'secrets.enc.json'), 'utf8')).not.toContain('pw-file')
    const wrong = (d: string) => fileSecretStore(d, { env: { LOOKOUT_SECRET_PASSPHRASE: 'other' }, keyring: null })
    const refused = await desktopSecretStore(dir, ss('basic_text'), 'linux', wrong)
    expect(refused.persistent).toBe(false)
    expect(refused.warning).toMatch(/wrong passphrase for .*secrets\.enc\.json: nothing was read or changed.*memory only/)
    const none = await desktopSecretStore(tempDir(), ss('basic_text'), 'linux', (d) => fileSecretStore(d, { env: {}, keyring: null }))
    expect(none.warning).toMatch(/basic_text/)
  })

  it('with a keyring, secrets are written encrypted, never in plain text', async () => {
    const dir = tempDir()
    const store = new SafeStorageSecretStore(dir, ss('kwallet5'), 'linux')
    expect(store.persistent).toBe(true)
    await store.set('profile/p/postgres', 'pw-keyring')
    expect(readFileSync(join(dir, 'secrets.bin'), 'utf8')).toMatch(/^enc:/)
    expect(await new SafeStorageSecretStore(dir, ss('kwallet5'), 'linux').get('profile/p/postgres')).toBe('pw-keyring')
  })
})

describe('openExternal allowlist', () => {
  it('takes only https documentation links without credentials', () => {
    expect(externalUrlAllowed('https://github.com/anyone/anything')).toBe(false)
    expect(externalUrlAllowed('https://redis.io:8443/docs/')).toBe(false)
    expect(externalUrlAllowed('https://redis.io/download/')).toBe(false)
    expect(externalUrlAllowed('https://redis.io/docs/latest/')).toBe(true)
    expect(externalUrlAllowed('http://redis.io/docs/')).toBe(false)
    expect(externalUrlAllowed('https://user:pw@github.com/x')).toBe(false)
    expect(externalUrlAllowed('https://redis.io.evil.example/docs/')).toBe(false)
    expect(externalUrlAllowed('not a url')).toBe(false)
  })
})

describe('IPC binding', () => {
  function bind() {
    const handlers = new Map<string, (...a: any[]) => any>()
    const ipcMain = { handle: (ch: string, fn: any) => handlers.set(ch, fn), removeHandler: (ch: string) => handlers.delete(ch) }
    const calls: unknown[][] = []
    const core = {
      dispatch: async (m: unknown, p: unknown) => (calls.push([m, p]), { ok: true as const, result: 'r' }),
      onEvent: () => () => {}
    }
    bindIpc(ipcMain as never, core as never, () => [])
    return { handler: handlers.get(IPC_REQUEST_CHANNEL)!, calls }
  }

  it('answers the app frame and refuses any other sender', async () => {
    const { handler, calls } = bind()
    const app = { senderFrame: { url: 'lookout://app/index.html', parent: null } }
    expect(await handler(app, 'app.info', {})).toEqual({ ok: true, result: 'r' })
    for (const frame of [
      { url: 'https://evil.example/', parent: null },
      { url: 'lookout://app/index.html', parent: {} },
      { url: 'file:///x', parent: null },
      null
    ]) {
      expect(await handler({ senderFrame: frame }, 'app.info', {})).toMatchObject({ ok: false, error: { code: 'refused' } })
    }
    expect(calls).toHaveLength(1)
  })

  it('caps the requests a window has in flight: past the cap, busy at once', async () => {
    const handlers = new Map<string, (...a: any[]) => any>()
    const ipcMain = { handle: (ch: string, fn: any) => handlers.set(ch, fn), removeHandler: () => {} }
    const hang: (() => void)[] = []
    const core = {
      dispatch: () => new Promise((r) => hang.push(() => r({ ok: true, result: 'r' }))),
      onEvent: () => () => {}
    }
    bindIpc(ipcMain as never, core as never, () => [])
    const handler = handlers.get(IPC_REQUEST_CHANNEL)!
    const app = { senderFrame: { url: 'lookout://app/index.html', parent: null }, sender: { id: 1 } }
    const replies = Array.from({ length: 40 }, () => handler(app, 'app.info', {}))
    // The 8 past the cap answer while the first 32 still hang.
    const early = await Promise.all(replies.slice(32))
    expect(early.every((r) => r.error?.code === 'busy')).toBe(true)
    // Another window has its own allowance.
    const other = handler({ ...app, sender: { id: 2 } }, 'app.info', {})
    for (const h of hang) h()
    expect(await other).toEqual({ ok: true, result: 'r' })
  })

  it('senderAllowed needs a top-level frame of the app origin', () => {
    expect(senderAllowed({ senderFrame: { url: 'lookout://app/', parent: null } })).toBe(true)
    expect(senderAllowed({ senderFrame: { url: 'lookout://other/', parent: null } })).toBe(false)
    expect(senderAllowed({})).toBe(false)
  })
})

describe('desktop notifications', () => {
  it('are critical for critical alerts, kept until clicked or closed, escaped, and a click opens the alert', () => {
    const clicked: (string | undefined)[] = []
    const notifier = desktopNotifier((id) => clicked.push(id))
    const made = (fake.module.Notification as any).made as any[]
    made.length = 0
    notifier.notify({
      title: 'shop: RedisCacheHitLow',
      body: 'key <img src=x onerror=alert(1)> & more',
      severity: 'critical',
      alertId: 'shop/redis/X'
    })
    notifier.notify({ title: 'shop: PgBlocked', body: 'b', severity: 'warning' })
    expect(made.map((n) => n.opts.urgency)).toEqual(['critical', 'normal'])
    if (process.platform === 'linux') expect(made[0].opts.body).toBe('key &lt;img src=x onerror=alert(1)&gt; &amp; more')
    expect(notifier.shown()).toBe(2)
    made[0].handlers.click()
    made[1].handlers.close()
    expect(clicked).toEqual(['shop/redis/X'])
    expect(notifier.shown()).toBe(0)
  })
})

describe('tray', () => {
  it('says how many alerts fire and how many are critical', () => {
    expect(trayTitle({ firing: [], critical: 0, other: [] })).toBe('Lookout: no alerts')
    const a = Alert.parse({
      id: 'a',
      profile: 'p',
      targetId: 't',
      source: 'lookout' as const,
      name: 'TargetDown',
      labels: {},
      severity: 'critical' as const,
      summary: 's',
      since: 0
    })
    expect(trayTitle({ firing: [a], critical: 1, other: [] })).toBe('Lookout: 1 alert firing (1 critical)')
    expect(trayTitle({ firing: [a, { ...a, id: 'b', severity: 'warning' }], critical: 1, other: [] })).toBe(
      'Lookout: 2 alerts firing (1 critical)'
    )
  })
})
