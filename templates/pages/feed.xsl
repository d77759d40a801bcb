<?xml version="1.0" encoding="utf-8"?>
<!-- Makes feed.xml and atom.xml readable in browsers that still run XSLT. Browsers without XSLT get
     the server's HTML rendition of the feed instead (content negotiation on Accept: text/html). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:atom="http://www.w3.org/2005/Atom">
  <xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>
  <xsl:template match="/">
    <html>
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="rss/channel/title|atom:feed/atom:title"/></title>
        <style>
          body { font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; background: #f3f4f6; color: #1f2328; line-height: 1.5; margin: 0; }
          main { max-width: 44rem; margin: 2rem auto; background: #fff; border-radius: 8px; padding: 1.5rem 2rem; }
          .notice { background: #eef6ff; border-left: 4px solid #0b5cad; padding: .6rem 1rem; }
          article { border-top: 1px solid #d1d9e0; padding: .6rem 0; } a { color: #0b5cad; } .muted { color: #59636e; font-size: .9rem; }
        </style>
      </head>
      <body>
        <main>
          <p class="notice">This is a <strong>feed</strong>. Copy its address from the address bar into your feed reader to subscribe.</p>
          <h1><xsl:value-of select="rss/channel/title|atom:feed/atom:title"/></h1>
          <p><xsl:value-of select="rss/channel/description|atom:feed/atom:subtitle"/></p>
          <xsl:for-each select="rss/channel/item">
            <article><h2><a href="{link}"><xsl:value-of select="title"/></a></h2><p class="muted"><xsl:value-of select="pubDate"/></p></article>
          </xsl:for-each>
          <xsl:for-each select="atom:feed/atom:entry">
            <article><h2><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h2><p class="muted"><xsl:value-of select="atom:updated"/></p></article>
          </xsl:for-each>
        </main>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
