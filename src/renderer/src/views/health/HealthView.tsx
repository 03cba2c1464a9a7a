import { RangeEvents } from '../../components/RangeEvents'
import { useNow } from '../../app/useNow'
import { useSession } from '../../stores/session'
import { useTargets } from '../../stores/targets'
import { TargetCard } from '../../components/TargetCard'
import { PostgresHealthPanel } from '../postgres/PostgresHealthPanel'

export function HealthView() {
  const order = useTargets((s) => s.order)
  const counts = useTargets((s) => {
    const c = { up: 0, degraded: 0, down: 0, pending: 0 }
    for (const id of s.order) c[s.byId[id]!.health]++
    return `${c.up}|${c.degraded}|${c.down}|${c.pending}`
  })
  const active = useSession((s) => s.active)
  const hasPostgres = useSession((s) => Boolean(s.profiles.find((p) => p.name === s.active)?.postgres))
  const now = useNow()
  const [up, degraded, down, pending] = counts.split('|').map(Number)
  if (!active) return null
  return (
    <section className="health" aria-label="Health">
      <p className="summary" data-testid="health-summary">
        <strong>{order.length}</strong> targets: <span className="ok">{up} up</span>
        {degraded ? <span className="warn">, {degraded} degraded</span> : null}
        {down ? <span className="bad">, {down} down</span> : null}
        {pending ? <span>, {pending} waiting</span> : null}
      </p>
      <RangeEvents profile={active} />
      <div className="targets">
        {order.map((id) => (
          <TargetCard key={id} targetId={id} now={now} />
        ))}
      </div>
      {hasPostgres && <PostgresHealthPanel profile={active} />}
    </section>
  )
}
