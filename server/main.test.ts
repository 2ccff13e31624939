import { describe, expect, it } from 'vitest';
import { formatAccountsBox, progressReporter } from './main.ts';

describe('formatAccountsBox', () => {
  it('boxes every account in aligned columns', () => {
    const box = formatAccountsBox([
      { role: 'admin', email: 'admin@demo.test', password: 'pw-one' },
      { role: 'instructor', email: 'ada@demo.test', password: 'pw-two' },
    ]);
    const lines = box.trimEnd().split('\n');
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[0]).toMatch(/^┌─+┐$/);
    expect(lines.at(-1)).toMatch(/^└─+┘$/);
    expect(box).toMatch(/│ admin {6}\s+admin@demo\.test\s+pw-one\s+│/);
    expect(box).toMatch(/│ instructor\s+ada@demo\.test\s+pw-two\s+│/);
  });
});

describe('progressReporter', () => {
  it('writes one plain line per step when not on a terminal', () => {
    let text = '';
    const progress = progressReporter({ write: (t: string) => (text += t), isTTY: false }, 'migrate');
    progress.step('0001_a', 0, 2);
    progress.step('0002_b', 1, 2);
    progress.finish();
    expect(text).toBe('migrate: 0001_a (1/2)\nmigrate: 0002_b (2/2)\n');
  });
});
