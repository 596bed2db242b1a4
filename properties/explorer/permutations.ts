// All permutations of 0..n-1 (Heap's algorithm order does not matter: callers take a minimum).

export function permutations(n: number): Int32Array[] {
  const out: Int32Array[] = [];
  const a = Int32Array.from({ length: n }, (_, i) => i);
  const walk = (k: number): void => {
    if (k <= 1) {
      out.push(a.slice());
      return;
    }
    for (let i = 0; i < k; i++) {
      walk(k - 1);
      const j = k % 2 === 0 ? i : 0;
      const t = a[j] as number;
      a[j] = a[k - 1] as number;
      a[k - 1] = t;
    }
  };
  walk(n);
  return out;
}

export function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}
