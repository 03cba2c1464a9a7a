import { findNodeAtLocation, parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser'
import { z } from 'zod'
import { Profile } from '../../../shared/schemas'

/** The version of profiles.json this Lookout writes. Older files are migrated on read. */
export const PROFILES_FILE_VERSION = 2

/**
 * What each version changed, as a function from the file of version N to N+1. Each runs on the
 * parsed JSON before validation, so a migration never needs the old schema.
 */
const MIGRATIONS: Record<number, (file: Record<string, unknown>) => Record<string, unknown>> = {
  // Version 1 let a /metrics endpoint be a bare URL string; version 2 always writes the object
  // form, so a reader sees one shape and `auth` is never implied.
  1: (file) => ({
    ...file,
    version: 2,
    profiles: Array.isArray(file.profiles)
      ? file.profiles.map((p: unknown) =>
          p && typeof p === 'object' && Array.isArray((p as { metrics?: unknown }).metrics)
            ? {
                ...p,
                metrics: (p as { metrics: unknown[] }).metrics.map((m) =>
                  typeof m === 'string' ? { url: m, auth: 'none', insecureSkipVerify: false } : m
                )
              }
            : p
        )
      : file.profiles
  })
}

/** The file as version 2 validates it: a metrics entry is an object, never a bare URL. */
const StoredProfile = Profile.extend({
  metrics: z
    .array(z.object({ url: z.string() }).passthrough())
    .max(50)
    .default([])
})
const ProfilesFileV2 = z.object({ version: z.literal(PROFILES_FILE_VERSION), profiles: z.array(StoredProfile) })

/** What is wrong with a profiles file, and where: a person fixes it from this. */
export class ProfilesFileError extends Error {
  override name = 'ProfilesFileError'
  constructor(
    readonly problem: string,
    readonly line: number | null,
    readonly column: number | null,
    readonly field: string | null
  ) {
    super(`${line !== null ? `line ${line}, column ${column}: ` : ''}${field ? `${field}: ` : ''}${problem}`)
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset)
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') }
}

/** The dotted path of a zod issue as a person reads it: profiles[2].redis. */
function fieldName(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('')
}

/**
 * Reads profiles.json: syntax errors with their line and column, a version newer than this
 * Lookout refused (never rewritten in an older shape), older versions migrated, then every
 * profile validated, the first problem named by line, column and field.
 */
export function parseProfilesFile(text: string): { profiles: Profile[]; migratedFrom: number | null } {
  const errors: ParseError[] = []
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true })
  if (errors.length || !tree) {
    const e = errors[0]
    const at = e ? lineColumn(text, e.offset) : { line: 1, column: 1 }
    throw new ProfilesFileError(e ? `not valid JSON (${printParseErrorCode(e.error)})` : 'empty file', at.line, at.column, null)
  }
  let json = JSON.parse(text) as unknown
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new ProfilesFileError('the file must hold an object with "version" and "profiles"', 1, 1, null)
  const version = (json as { version?: unknown }).version
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw new ProfilesFileError('"version" must be a whole number (1 or more)', ...where(text, ['version']), 'version')
  if (version > PROFILES_FILE_VERSION)
    throw new ProfilesFileError(
      `written by a newer Lookout (version ${version}); this one reads up to version ${PROFILES_FILE_VERSION}: upgrade Lookout, it will not rewrite the file in an older shape`,
      ...where(text, ['version']),
      'version'
    )
  const migratedFrom = version < PROFILES_FILE_VERSION ? version : null
  for (let v = version; v < PROFILES_FILE_VERSION; v++) json = MIGRATIONS[v]!(json as Record<string, unknown>)
  const parsed = ProfilesFileV2.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    // Paths are the same before and after the migrations: they only reshape values in place.
    throw new ProfilesFileError(issue.message, ...where(text, issue.path), fieldName(issue.path))
  }
  const profiles = parsed.data.profiles.map((p) => Profile.parse(p))
  const seen = new Map<string, number>()
  profiles.forEach((p, i) => {
    if (seen.has(p.name))
      throw new ProfilesFileError(
        `profile "${p.name}" appears twice (also profiles[${seen.get(p.name)}])`,
        ...where(text, ['profiles', i, 'name']),
        `profiles[${i}].name`
      )
    seen.set(p.name, i)
  })
  return { profiles, migratedFrom }
}

/** The line and column of the value at `path`, or of its nearest parent that exists. */
function where(text: string, path: readonly PropertyKey[]): [number, number] {
  const tree = parseTree(text)
  for (let n = path.length; n >= 0 && tree; n--) {
    const node = findNodeAtLocation(tree, path.slice(0, n) as (string | number)[])
    if (node) {
      const at = lineColumn(text, node.offset)
      return [at.line, at.column]
    }
  }
  return [1, 1]
}

export function serializeProfiles(profiles: Profile[]): string {
  return JSON.stringify({ version: PROFILES_FILE_VERSION, profiles }, null, 2) + '\n'
}
