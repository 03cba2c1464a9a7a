export interface TreemapItem {
  label: string
  weight: number
}

export interface TreemapRect {
  item: TreemapItem
  x: number
  y: number
  w: number
  h: number
}

/**
 * Lays items out by weight: split the list where its weight halves, along the longer side of
 * the box, and recurse. Areas are exactly proportional; shapes stay reasonably square.
 */
export function layoutTreemap(items: TreemapItem[], x: number, y: number, w: number, h: number, out: TreemapRect[] = []): TreemapRect[] {
  if (items.length === 0) return out
  if (items.length === 1) {
    out.push({ item: items[0]!, x, y, w, h })
    return out
  }
  const total = items.reduce((s, i) => s + i.weight, 0)
  let acc = 0
  let cut = 0
  while (cut < items.length - 1 && acc + items[cut]!.weight <= total / 2) acc += items[cut++]!.weight
  if (cut === 0) acc = items[cut++]!.weight
  const share = total > 0 ? acc / total : 0.5
  if (w >= h) {
    layoutTreemap(items.slice(0, cut), x, y, w * share, h, out)
    layoutTreemap(items.slice(cut), x + w * share, y, w * (1 - share), h, out)
  } else {
    layoutTreemap(items.slice(0, cut), x, y, w, h * share, out)
    layoutTreemap(items.slice(cut), x, y + h * share, w, h * (1 - share), out)
  }
  return out
}
