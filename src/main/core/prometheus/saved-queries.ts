import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { ApiError, describeZodError } from '../../../shared/api'
import { SavedQuery } from '../../../shared/prometheus'
import { writeFileAtomic } from '../fs'

const QueriesFile = z.object({ version: z.literal(1), byProfile: z.record(z.string(), z.array(SavedQuery)) })
type QueriesFile = z.infer<typeof QueriesFile>

/** PromQL queries saved per profile, in `queries.json` beside the profiles. Never overwritten when malformed. */
export class SavedQueryStore {
  private readonly path: string
  private cache: QueriesFile | null = null

  constructor(dataDir: string) {
    this.path = join(dataDir, 'queries.json')
  }

  private async load(): Promise<QueriesFile> {
    if (this.cache) return this.cache
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return (this.cache = { version: 1, byProfile: {} })
      throw new ApiError('unavailable', `cannot read ${this.path}: ${(err as Error).message}`)
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new ApiError('unavailable', `${this.path} is not valid JSON; fix or move it, Lookout will not overwrite it`)
    }
    const parsed = QueriesFile.safeParse(json)
    if (!parsed.success) throw new ApiError('unavailable', `${this.path}: ${describeZodError(parsed.error)}; fix or move it`)
    return (this.cache = parsed.data)
  }

  async list(profile: string): Promise<SavedQuery[]> {
    return (await this.load()).byProfile[profile] ?? []
  }

  async save(profile: string, q: SavedQuery): Promise<SavedQuery[]> {
    const file = await this.load()
    const list = (file.byProfile[profile] ?? []).filter((x) => x.name !== q.name)
    list.push(q)
    list.sort((a, b) => a.name.localeCompare(b.name))
    await this.write({ ...file, byProfile: { ...file.byProfile, [profile]: list } })
    return list
  }

  async delete(profile: string, name: string): Promise<SavedQuery[]> {
    const file = await this.load()
    const list = (file.byProfile[profile] ?? []).filter((x) => x.name !== name)
    await this.write({ ...file, byProfile: { ...file.byProfile, [profile]: list } })
    return list
  }

  private async write(file: QueriesFile): Promise<void> {
    await writeFileAtomic(this.path, JSON.stringify(file, null, 2) + '\n')
    this.cache = file
  }
}
