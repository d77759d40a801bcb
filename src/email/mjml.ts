// MJML, loaded on first use: it is by far the largest dependency, and a feed build never needs it.
import type mjml2htmlType from 'mjml';

type Mjml2Html = typeof mjml2htmlType;
let loaded: Promise<Mjml2Html> | undefined;

export async function mjml2html(...args: Parameters<Mjml2Html>): Promise<Awaited<ReturnType<Mjml2Html>>> {
  const render = await (loaded ??= import('mjml').then((m) => m.default));
  return render(...args);
}
