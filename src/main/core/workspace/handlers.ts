import type { ApiHandlers } from '../../../shared/api'
import type { CoreServices } from '../services'

/** The workspace: which profiles are pinned, and how each watched one is doing. */
export function workspaceHandlers(s: CoreServices): Pick<ApiHandlers, 'workspace.status' | 'workspace.pin'> {
  return {
    'workspace.status': async () => s.workspace.status(),
    'workspace.pin': async ({ profile, pinned }) => s.workspace.pin(profile, pinned)
  }
}
