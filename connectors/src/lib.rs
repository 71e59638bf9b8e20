//! Content sources (Shopify catalog and content, web crawl, files, FAQ) turned into normalized documents.
