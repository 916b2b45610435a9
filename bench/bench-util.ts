/** Small helpers shared by the benchmarks. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export { writeRandomFile } from '../harness/random-file.js';

/** Peak resident memory of a live process in MB (VmHWM, Linux). */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** Runs a node script and returns its stdout lines parsed as JSON; `onLine` sees each as it arrives. */
export function runNode(
  args: string[],
  onLine?: (obj: Record<string, unknown>) => void,
): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: Record<string, unknown>[] = [];
    createInterface({ input: child.stdout }).on('line', (l) => {
      try {
        const obj = JSON.parse(l) as Record<string, unknown>;
        lines.push(obj);
        onLine?.(obj);
      } catch {
        // not ours
      }
    });
    child.on('exit', (code) => (code === 0 ? resolve(lines) : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [
    line(cells[0]!),
    '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|',
    ...cells.slice(1).map(line),
  ].join('\n');
}
