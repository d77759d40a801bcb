// Reading a long subscriber list a page at a time (keyset paging by id): what a pass over every active
// subscriber uses, so a process's memory stays flat whether the list has a thousand or a million.
import type { Subscriber, SubscriberFilter, SubscriberStore } from './store.js';

/** Subscribers per page: one round trip to PostgreSQL per page, a few MB of rows in memory at a time. */
export const SUBSCRIBER_PAGE = 2000;

/**
 * Every subscriber the filter matches, by id, page by page. Not one snapshot: a subscriber whose status
 * changes during the pass may be seen or not, as a row added meanwhile may (callers re-check what they act
 * on). Only an empty page ends the pass: a store may return fewer than asked before the end.
 */
export async function* subscriberPages(
  store: Pick<SubscriberStore, 'listPage'>,
  status: SubscriberFilter | undefined,
  pageSize: number = SUBSCRIBER_PAGE,
): AsyncGenerator<Subscriber[]> {
  let afterId = 0;
  for (;;) {
    const page = await store.listPage({ status, afterId, limit: pageSize });
    if (page.length === 0) return;
    yield page;
    afterId = page[page.length - 1]!.id;
  }
}
