// HTML escaping, for text put into HTML by the feed renderers, the email and its personalisation. Pure.

/** Text safe inside HTML content and quoted attributes. */
export function escapeHtml(text: string): string {
  if (!/[&<>"']/.test(text)) return text; // the common case, and the sender calls this per subscriber
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
