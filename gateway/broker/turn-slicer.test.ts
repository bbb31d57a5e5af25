import { describe, expect, it } from 'vitest';
import { TurnSlicer } from './turn-slicer.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TurnSlicer', () => {
  it('runs every task in order, a budget of time per event-loop turn, letting other work in between', async () => {
    let clock = 0;
    const slicer = new TurnSlicer({ onError: () => undefined, budgetMs: 3, now: () => clock });
    const log: string[] = [];
    for (let i = 0; i < 10; i++)
      slicer.run(() => {
        clock += 1; // each task costs 1 ms
        log.push(`t${i}`);
      });
    expect(log).toEqual([]); // nothing runs in the caller's turn
    expect(slicer.backlog).toBe(10);
    const turns: string[][] = [];
    while (slicer.backlog > 0) {
      const before = log.length;
      await nextTurn();
      turns.push(log.slice(before));
      log.push('other');
    }
    expect(turns.map((t) => t.length)).toEqual([3, 3, 3, 1]);
    expect(log.filter((x) => x !== 'other')).toEqual(Array.from({ length: 10 }, (_, i) => `t${i}`));
  });

  it('runs at least one task per turn even when one task takes longer than the budget', async () => {
    let clock = 0;
    const slicer = new TurnSlicer({ onError: () => undefined, budgetMs: 1, now: () => clock });
    let ran = 0;
    for (let i = 0; i < 3; i++)
      slicer.run(() => {
        clock += 50;
        ran += 1;
      });
    await nextTurn();
    expect(ran).toBe(1);
    await nextTurn();
    await nextTurn();
    expect(ran).toBe(3);
  });

  it('starts at most maxPerTurn tasks per turn, however cheap they are', async () => {
    const slicer = new TurnSlicer({ onError: () => undefined, maxPerTurn: 4, budgetMs: 1000 });
    let ran = 0;
    for (let i = 0; i < 10; i++) slicer.run(() => (ran += 1));
    const perTurn: number[] = [];
    while (slicer.backlog > 0) {
      const before = ran;
      await nextTurn();
      perTurn.push(ran - before);
    }
    expect(perTurn).toEqual([4, 4, 2]);
  });

  it('reports a throwing task and still runs the rest; tasks queued later run too', async () => {
    const errors: unknown[] = [];
    const slicer = new TurnSlicer({ onError: (err) => errors.push(err) });
    const ran: number[] = [];
    slicer.run(() => ran.push(1));
    slicer.run(() => {
      throw new Error('boom');
    });
    slicer.run(() => ran.push(3));
    await nextTurn();
    expect(ran).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('boom');
    slicer.run(() => ran.push(4));
    await nextTurn();
    expect(ran).toEqual([1, 3, 4]);
    expect(slicer.backlog).toBe(0);
  });
});
