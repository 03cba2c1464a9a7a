import { describe, expect, it } from 'vitest'
import { findBinary, MissingBinaryError } from '../../src/main/harness/binaries'
import { prometheusConfig } from '../../src/main/harness/prometheus'

describe('harness', () => {
  it('names the Debian package to install when a server binary is missing', () => {
    expect(() => findBinary('no-such-server-xyz', 'no-such-package')).toThrow(MissingBinaryError)
    expect(() => findBinary('no-such-server-xyz', 'no-such-package')).toThrow(
      'no-such-server-xyz was not found. Install it with: apt-get install no-such-package'
    )
  })
  it('writes Prometheus config as JSON, which is valid YAML', () => {
    const cfg = JSON.parse(prometheusConfig([{ job: 'app', targets: ['127.0.0.1:1'], intervalSeconds: 5 }]))
    expect(cfg.scrape_configs[0]).toMatchObject({ job_name: 'app', scrape_interval: '5s', static_configs: [{ targets: ['127.0.0.1:1'] }] })
  })
})
