// The toxic pipeline without sockets: a link over recording ports, checked as an exact trace
// of what reached the destination, in order, as toxics come and go.

import { describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { Link, LINK_BUFFERED_BYTES_MAX, type LinkPorts } from './link.ts';
import { seededRandom } from './random.ts';
import type { Attributes, Stream, Toxic, ToxicType } from './spec.ts';
import { sleep } from './testing.ts';

interface Recorder {
  readonly ports: LinkPorts;
  readonly log: string[];
  destinationBytes: number;
}

function recorder(): Recorder {
  const rec: Recorder = {
    log: [],
    destinationBytes: 0,
    ports: {
      nowMs: () => performance.now(),
      write: (bytes) => rec.log.push(`data:${String(bytes)}`),
      end: () => rec.log.push('end'),
      reset: () => rec.log.push('reset'),
      destinationBufferedBytes: () => rec.destinationBytes,
      pauseSource: () => rec.log.push('pause'),
      resumeSource: () => rec.log.push('resume'),
    },
  };
  return rec;
}

function toxic(name: string, type: ToxicType, attributes: Attributes, toxicity = 1, stream: Stream = 'downstream'): Toxic {
  return { name, type, stream, toxicity, attributes };
}

const text = (value: string): Buffer => Buffer.from(value);

describe('link', () => {
  it('with no toxics passes data and the end straight through', () => {
    const rec = recorder();
    const link = new Link(rec.ports, seededRandom(1, 'l'), []);
    link.input(text('a'));
    link.input(text('b'));
    link.inputEnd();
    link.input(text('late'));
    expect(rec.log).toEqual(['data:a', 'data:b', 'end']);
  });

  it('removing a latency toxic flushes what it holds at once, in order, and later data follows', async () => {
    const rec = recorder();
    const link = new Link(rec.ports, seededRandom(1, 'l'), [toxic('lag', 'latency', { latency: 10_000, jitter: 0 })]);
    link.input(text('a'));
    link.input(text('b'));
    await sleep(20);
    expect(rec.log).toEqual([]);
    link.removeToxic('lag');
    link.input(text('c'));
    expect(rec.log).toEqual(['data:a', 'data:b', 'data:c']);
    link.stop();
  });

  it('a toxic added behind a busy one receives what that one releases', async () => {
    const rec = recorder();
    const link = new Link(rec.ports, seededRandom(1, 'l'), [toxic('lag', 'latency', { latency: 30, jitter: 0 })]);
    link.input(text('abcdef'));
    link.addToxic(toxic('cap', 'limit_data', { bytes: 4 }));
    await sleep(80);
    expect(rec.log).toEqual(['data:abcd', 'end']);
  });

  it("limit_data's count survives an update: the limit is per connection, not per configuration", () => {
    const rec = recorder();
    const link = new Link(rec.ports, seededRandom(1, 'l'), [toxic('cap', 'limit_data', { bytes: 10 })]);
    link.input(text('123456'));
    link.updateToxic(toxic('cap', 'limit_data', { bytes: 10 }));
    link.input(text('789abc'));
    expect(rec.log).toEqual(['data:123456', 'data:789a', 'end']);
  });

  it('reset_peer drops the chunk that triggers it and resets after its timeout', async () => {
    const rec = recorder();
    const link = new Link(rec.ports, seededRandom(1, 'l'), [toxic('rst', 'reset_peer', { timeout: 30 })]);
    link.input(text('x'));
    expect(rec.log).toEqual([]);
    await sleep(60);
    expect(rec.log).toEqual(['reset']);
    link.stop();
  });

  it('removing a timeout toxic closes the output (Toxiproxy cleans it up that way)', () => {
    const rec = recorder();
    const link = new Link(rec.ports, seededRandom(1, 'l'), [toxic('hold', 'timeout', { timeout: 0 })]);
    link.input(text('dropped'));
    link.removeToxic('hold');
    link.input(text('after'));
    expect(rec.log).toEqual(['end']);
  });

  it('an update interrupts a held chunk (sent on) and restarts the toxic with its new attributes', async () => {
    const rec = recorder();
    const link = new Link(rec.ports, seededRandom(1, 'l'), [toxic('lag', 'latency', { latency: 10_000, jitter: 0 })]);
    link.input(text('held'));
    link.updateToxic(toxic('lag', 'latency', { latency: 20, jitter: 0 }));
    expect(rec.log).toEqual(['data:held']);
    link.input(text('next'));
    expect(rec.log).toEqual(['data:held']);
    await sleep(50);
    expect(rec.log).toEqual(['data:held', 'data:next']);
  });

  it('pauses its source above the buffered limit and resumes once half has drained', async () => {
    const rec = recorder();
    const link = new Link(rec.ports, seededRandom(1, 'l'), [toxic('lag', 'latency', { latency: 30, jitter: 0 })]);
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i * chunk.length <= LINK_BUFFERED_BYTES_MAX; i++) link.input(chunk);
    expect(rec.log.at(-1)).toBe('pause');
    await sleep(80);
    expect(rec.log.filter((entry) => !entry.startsWith('data:'))).toEqual(['pause', 'resume']);
    link.stop();
  });

  it('bytes held by the destination socket count toward the limit too', () => {
    const rec = recorder();
    const link = new Link(rec.ports, seededRandom(1, 'l'), []);
    rec.destinationBytes = LINK_BUFFERED_BYTES_MAX + 1;
    link.input(text('x'));
    expect(rec.log).toEqual(['data:x', 'pause']);
    rec.destinationBytes = 0;
    link.checkFlow();
    expect(rec.log).toEqual(['data:x', 'pause', 'resume']);
  });
});
