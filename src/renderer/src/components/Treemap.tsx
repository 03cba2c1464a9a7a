import { layoutTreemap, type TreemapItem } from '../lib/treemap'

const COLORS = ['#5aa9ff', '#3fb96f', '#e0a526', '#b07cf7', '#34c3c3', '#ff8a5c', '#9aa4b2', '#f0524f']

/** A treemap of labelled weights, drawn with positioned boxes (no canvas, no dependency). */
export function Treemap({ items, height = 220, format }: { items: TreemapItem[]; height?: number; format(w: number): string }) {
  const rects = layoutTreemap(
    items.filter((i) => i.weight > 0).sort((a, b) => b.weight - a.weight),
    0,
    0,
    100,
    100
  )
  return (
    <div className="treemap" style={{ height }} role="img" aria-label="Memory by key prefix">
      {rects.map((r, i) => (
        <div
          key={r.item.label}
          className="treemap-cell"
          title={`${r.item.label}: ${format(r.item.weight)}`}
          style={{ left: `${r.x}%`, top: `${r.y}%`, width: `${r.w}%`, height: `${r.h}%`, background: COLORS[i % COLORS.length] }}
        >
          {r.w * r.h > 60 && (
            <span>
              {r.item.label}
              <br />
              {format(r.item.weight)}
            </span>
          )}
        </div>
      ))}
    </div>
  )
}
