import { useNotifications } from '../stores/notifications'
import { useView } from '../stores/view'

/**
 * Alert notifications shown in the page: in `serve` mode when the browser may not notify. Text
 * is rendered as text by React (never as markup), whatever a label value holds.
 */
export function NotificationBanners() {
  const banners = useNotifications((s) => s.banners)
  const dismiss = useNotifications((s) => s.dismiss)
  const show = useView((s) => s.show)
  const canAsk = typeof Notification !== 'undefined' && Notification.permission === 'default'
  if (!banners.length) return null
  return (
    <div className="notification-banners" aria-live="assertive">
      {banners.map((b) => (
        <div key={b.key} className={`banner notification sev-${b.severity}`} role="alert" data-testid="alert-banner">
          <strong>{b.title}</strong>
          <span>{b.body}</span>
          <button
            onClick={() => {
              dismiss(b.key)
              show('alerts', b.alertId ? { kind: 'alert', id: b.alertId } : null)
            }}
          >
            Show
          </button>
          {canAsk && (
            <button className="link" onClick={() => void Notification.requestPermission()}>
              Use browser notifications
            </button>
          )}
          <button className="link" aria-label="Dismiss" onClick={() => dismiss(b.key)}>
            ×
          </button>
        </div>
      ))}
    </div>
  )
}
