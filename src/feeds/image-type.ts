// The MIME type of a post's cover image, for feed enclosures. Pure.

const IMAGE_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
};

/**
 * MIME type of an image URL, from its extension or a `fm=`/`format=` query (image CDNs).
 * Extension-less CDN URLs (Unsplash's `photo-…?auto=format`) negotiate the format; JPEG is what
 * they serve to clients that ask for nothing else, so that is the honest default.
 */
export function imageMimeType(url: string): string {
  const parsed = new URL(url);
  const ext = /\.([a-z0-9]+)$/i.exec(parsed.pathname)?.[1]?.toLowerCase();
  const fromQuery = (parsed.searchParams.get('fm') ?? parsed.searchParams.get('format'))?.toLowerCase();
  return (ext && IMAGE_TYPES[ext]) ?? (fromQuery && IMAGE_TYPES[fromQuery]) ?? 'image/jpeg';
}
