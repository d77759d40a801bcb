// The application core: every use case as one function over the pure pipeline, effects injected.
// The use cases live in core/ by subject, grouped in capabilities (core/types.ts) whose dependencies are
// required: a command composes only the capabilities it uses (see compose.ts). This file composes all of
// them over one shared context, for the long-running process (`start`, `serve`).
import type { Config } from './config.js';
import { publisher, siteBuilder } from './core/build.js';
import { createContext, signingKeyLoader } from './core/context.js';
import { digestPreviews, digestSender, statusReader } from './core/digests.js';
import { returns } from './core/returns.js';
import { signups, subscriberAdmin } from './core/subscriptions.js';
import type {
  BaseDeps,
  DigestPreviews,
  DigestSender,
  MailerDeps,
  PublishDeps,
  Publisher,
  Returns,
  ReturnsDeps,
  SecretDeps,
  SendingDeps,
  Signups,
  SiteBuilder,
  StatusReader,
  StoreDeps,
  SubscriberAdmin,
} from './core/types.js';

export { bundledTemplates } from './core/context.js';

export interface CoreDeps extends BaseDeps, SecretDeps, StoreDeps, MailerDeps, SendingDeps, PublishDeps, ReturnsDeps {}

/** Every capability: what the server and the scheduler call. */
export type Core = SiteBuilder & Publisher & SubscriberAdmin & Signups & DigestPreviews & DigestSender & StatusReader & Returns;

export function createCore(config: Readonly<Config>, deps: CoreDeps): Core {
  // One context and one signing key for all: the templates are loaded, and the key read, once.
  const ctx = createContext(config, deps);
  const signingKey = signingKeyLoader(ctx, deps.env);
  const site = siteBuilder(ctx);
  return {
    ...site,
    ...publisher(ctx, site, deps),
    ...subscriberAdmin(ctx, { store: deps.store, signingKey }),
    ...signups(ctx, { store: deps.store, mailer: deps.mailer, signingKey }),
    ...digestPreviews(ctx, { signingKey }),
    ...digestSender(ctx, { ...deps, signingKey }),
    ...statusReader(ctx, deps),
    ...returns(ctx, { store: deps.store, signingKey, openBounceMailbox: deps.openBounceMailbox }),
  };
}
