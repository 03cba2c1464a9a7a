import type { Profile } from '../../src/shared/schemas'

/** A stored profile with every default filled, for tests that build one by hand. */
export function testProfile(over: Partial<Profile> = {}): Profile {
  return {
    name: 'p',
    environment: 'dev',
    readOnly: false,
    allowFlush: false,
    allowExplainAnalyze: false,
    explainAnalyzeFunctions: [],
    metrics: [],
    pollIntervalMs: 1000,
    thresholds: {},
    ...over
  }
}
