import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AlertRule } from '../../src/shared/alert-rules'
import { AlertConfigStore } from '../../src/main/core/alerts/config-store'
import { BUILTIN_RULES } from '../../src/main/core/alerts/builtin-pack'
import { tempDir } from '../helpers/temp'

const mine = AlertRule.parse({
  name: 'RedisCacheHitLow',
  watch: { kind: 'series', metric: 'redis_hitrate' },
  comparator: '<',
  threshold: 60
})

describe('alerts.json', () => {
  it('layers a profile’s rules over the pack’s over the built-in ones, by name', async () => {
    const dir = tempDir()
    const store = new AlertConfigStore(dir)
    await store.load()
    await store.saveRule(null, { ...mine, threshold: 70 })
    await store.saveRule('shop', mine)
    const shop = store.effectiveRules('shop').find((r) => r.rule.name === 'RedisCacheHitLow')!
    const other = store.effectiveRules('other').find((r) => r.rule.name === 'RedisCacheHitLow')!
    expect([shop.origin, shop.rule.threshold, other.origin, other.rule.threshold]).toEqual(['profile', 60, 'pack', 70])
    expect(store.effectiveRules('other')).toHaveLength(BUILTIN_RULES.length)
    expect(await store.deleteRule('shop', 'RedisCacheHitLow')).toBe(true)
    expect(store.effectiveRules('shop').find((r) => r.rule.name === 'RedisCacheHitLow')!.origin).toBe('pack')
    // Read back by a new store: what was saved is what is read.
    const again = new AlertConfigStore(dir)
    await again.load()
    expect(again.effectiveRules('other').find((r) => r.rule.name === 'RedisCacheHitLow')!.rule.threshold).toBe(70)
  })

  it('a file that does not read is named, never overwritten, and the built-in rules run meanwhile', async () => {
    const dir = tempDir()
    const bad = '{"version": 1, "pack": [{"name": "X", "watch": {"kind": "series", "metric": "up"}}]}\n'
    writeFileSync(join(dir, 'alerts.json'), bad)
    const store = new AlertConfigStore(dir)
    await store.load()
    expect(store.problem).toMatch(/alerts\.json: pack\.0\.threshold: a threshold is required/)
    expect(store.effectiveRules('shop').map((r) => r.origin)).toEqual(BUILTIN_RULES.map(() => 'builtin'))
    await expect(store.saveRule('shop', mine)).rejects.toThrow(/fix or move it/)
    expect(readFileSync(join(dir, 'alerts.json'), 'utf8')).toBe(bad)
    writeFileSync(join(dir, 'alerts.json'), '{ not json')
    const broken = new AlertConfigStore(dir)
    await broken.load()
    expect(broken.problem).toMatch(/is not valid JSON/)
  })
})
