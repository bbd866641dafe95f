/** Natural order (spec-1a < spec-2 < spec-10), as the docker CLI sorts volume names. */
export function naturalLess(a: string, b: string): boolean {
  return naturalCompare(a, b) < 0;
}

export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a[i] as string;
    const cb = b[j] as string;
    const da = ca >= '0' && ca <= '9';
    const db = cb >= '0' && cb <= '9';
    if (da && db) {
      let ei = i;
      while (ei < a.length && (a[ei] as string) >= '0' && (a[ei] as string) <= '9') ei++;
      let ej = j;
      while (ej < b.length && (b[ej] as string) >= '0' && (b[ej] as string) <= '9') ej++;
      const na = a.slice(i, ei).replace(/^0+/, '');
      const nb = b.slice(j, ej).replace(/^0+/, '');
      if (na.length !== nb.length) return na.length - nb.length;
      if (na !== nb) return na < nb ? -1 : 1;
      i = ei;
      j = ej;
      continue;
    }
    if (ca !== cb) return ca < cb ? -1 : 1;
    i++;
    j++;
  }
  return a.length - i - (b.length - j);
}
