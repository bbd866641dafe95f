/**
 * The engine's table, kept in step with the state: element changes for
 * starts and stops, one atomic file for start-up and repair. All changes go
 * through one queue so an element change never interleaves with a rebuild.
 */
import { nftApply, nftTry } from './kernel.js';
import { bridgeElements, deleteTable, fullTable, publishElements, type BridgeEntry, type PublishEntry, type TableState } from './ruleset.js';

export class NftTable {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly name: string) {}

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  rebuild(state: TableState): Promise<void> {
    return this.enqueue(() => nftApply(fullTable(this.name, state)));
  }

  addBridge(b: BridgeEntry): Promise<void> {
    return this.enqueue(() => nftApply(bridgeElements(this.name, b, 'add').join('\n') + '\n'));
  }

  /** Element deletes of absent elements fail, so each goes alone and failures are ignored. */
  removeBridge(b: BridgeEntry): Promise<void> {
    return this.enqueue(async () => {
      for (const line of bridgeElements(this.name, b, 'delete')) await nftApply(line + '\n').catch(() => undefined);
    });
  }

  publish(list: readonly PublishEntry[]): Promise<void> {
    if (list.length === 0) return Promise.resolve();
    return this.enqueue(() => nftApply(publishElements(this.name, list, 'add').join('\n') + '\n'));
  }

  unpublish(list: readonly PublishEntry[]): Promise<void> {
    if (list.length === 0) return Promise.resolve();
    return this.enqueue(async () => {
      try {
        await nftApply(publishElements(this.name, list, 'delete').join('\n') + '\n');
      } catch {
        for (const line of publishElements(this.name, list, 'delete')) await nftApply(line + '\n').catch(() => undefined);
      }
    });
  }

  drop(): Promise<void> {
    return this.enqueue(() => nftApply(deleteTable(this.name)));
  }
}

/** Removes another instance's table (its engine is gone). */
export async function dropTable(name: string): Promise<boolean> {
  return nftTry(['delete', 'table', 'inet', name]);
}
