// The digest's HTML with its dark-mode styles in force whatever the viewer prefers: for the preview's dark
// frame, since a frame cannot be made to prefer dark on its own. Pure.

/** `html` with every `@media (prefers-color-scheme: dark)` block applying unconditionally. */
export function asDarkScheme(html: string): string {
  return html.replace(/@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)/g, '@media all');
}
