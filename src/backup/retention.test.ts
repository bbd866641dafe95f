import { test } from 'node:test';
import assert from 'node:assert/strict';
import { archiveFileName, parseArchiveFileName, parseDuration, selectForDeletion, type ArchiveFile } from './retention.js';

const H = 3_600_000;
const now = new Date('2024-06-10T12:00:00.000Z');
const at = (hoursAgo: number, vol = 'db'): ArchiveFile => {
  const time = new Date(now.getTime() - hoursAgo * H);
  return { file: archiveFileName(vol, time, '.tar.zst'), volume: vol, time };
};

test('archive names round-trip, volume names with dashes included', () => {
  const when = new Date('2024-05-06T07:08:09.123Z');
  const name = archiveFileName('my-db-1', when, '.tar.zst.age');
  assert.equal(name, 'my-db-1-20240506T070809.123Z.tar.zst.age');
  const p = parseArchiveFileName(name);
  assert.equal(p?.volume, 'my-db-1');
  assert.equal(p?.time.toISOString(), when.toISOString());
  assert.equal(parseArchiveFileName('notes.txt'), undefined);
  assert.equal(parseArchiveFileName('db-20240506T070809.123Z.tar.zst.partial'), undefined);
});

test('durations', () => {
  assert.equal(parseDuration('36h'), 36 * H);
  assert.equal(parseDuration('1w2d'), 9 * 24 * H);
  assert.equal(parseDuration('90m'), 90 * 60_000);
  for (const bad of ['', '5', 'h', '3x', '1d ', '-1d']) assert.throws(() => parseDuration(bad), /invalid duration/, bad);
});

test('keep-last keeps the N newest', () => {
  const a = [at(1), at(2), at(3), at(4)];
  assert.deepEqual(selectForDeletion(a, { keepLast: 2 }, now, a[0]?.file), [a[2]?.file, a[3]?.file]);
});

test('keep-within keeps the recent ones; both policies keep the union', () => {
  const a = [at(1), at(30), at(50), at(100)];
  assert.deepEqual(selectForDeletion(a, { keepWithinMs: 48 * H }, now, a[0]?.file), [a[2]?.file, a[3]?.file]);
  assert.deepEqual(selectForDeletion(a, { keepWithinMs: 2 * H, keepLast: 3 }, now, a[0]?.file), [a[3]?.file]);
});

test('the newest verified archive is never deleted, even outside the policy', () => {
  const a = [at(1), at(2), at(300)];
  // The two newest do not verify; the old one does.
  assert.deepEqual(selectForDeletion(a, { keepLast: 1 }, now, a[2]?.file), [a[1]?.file]);
  assert.deepEqual(selectForDeletion(a, { keepWithinMs: 1 }, now, a[2]?.file), [a[0]?.file, a[1]?.file]);
});

test('no policy deletes nothing', () => {
  assert.deepEqual(selectForDeletion([at(1), at(900)], {}, now, undefined), []);
});
