import { useEffect, useState } from 'react'
import type { ProfilesFileStatus } from '../../../shared/schemas'
import { api } from '../api'
import { reloadProfiles } from '../app/controller'

/**
 * profiles.json does not read: what is wrong and where, and the backup on offer. Restoring it
 * keeps the bad file aside (the core names where); nothing is ever overwritten silently.
 */
export function ProfilesFileProblem({ error }: { error: string }) {
  const [status, setStatus] = useState<ProfilesFileStatus | null>(null)
  const [typed, setTyped] = useState('')
  const [result, setResult] = useState<string | null>(null)
  const [failure, setFailure] = useState<string | null>(null)
  useEffect(() => {
    api.call('profiles.fileStatus', {}).then(setStatus, () => {})
  }, [error])

  async function restore() {
    setFailure(null)
    try {
      const r = await api.call('profiles.restoreBackup', { confirmation: typed })
      setResult(
        `Restored ${r.restored} profile${r.restored === 1 ? '' : 's'} from the backup.${r.keptAside ? ` The bad file is kept as ${r.keptAside}.` : ''}`
      )
      await reloadProfiles()
    } catch (err) {
      setFailure(err instanceof Error ? err.message : String(err))
    }
  }

  const p = status?.problem
  const backup = status?.backup
  return (
    <div className="banner error" role="alert" data-testid="profiles-file-problem">
      <strong>Profiles could not be loaded.</strong>{' '}
      {p ? (
        <>
          {status!.path}
          {p.line !== null ? `, line ${p.line}, column ${p.column}` : ''}
          {p.field ? ` (${p.field})` : ''}: {p.message}
        </>
      ) : (
        error
      )}
      {result && <p role="status">{result}</p>}
      {!result && backup && !backup.problem && (
        <p>
          A backup from {new Date(backup.savedAt).toLocaleString()} holds {backup.profiles} profile{backup.profiles === 1 ? '' : 's'}. Fix
          the file by hand, or restore the backup (the bad file is kept aside):{' '}
          <input
            aria-label='Type "confirm" to restore the backup'
            placeholder="type confirm"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />{' '}
          <button disabled={typed !== 'confirm'} onClick={() => void restore()}>
            Restore backup
          </button>
        </p>
      )}
      {!result && backup?.problem && (
        <p>
          The backup ({backup.path}) does not read either: {backup.problem}
        </p>
      )}
      {failure && <p>{failure}</p>}
    </div>
  )
}
