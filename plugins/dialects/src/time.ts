/** RFC 3339 in UTC to the second, as the Go services wrote timestamps (`2024-01-15T10:30:00Z`). */
export function rfc3339(ms: unknown): string {
  const t = typeof ms === 'number' && Number.isFinite(ms) ? ms : Date.now();
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
