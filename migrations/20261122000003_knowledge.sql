-- Knowledge: what the assistant can search. A source (the Shopify catalog, the shop's pages
-- and policies, a crawled site, uploaded files, typed FAQ entries) holds documents; a document
-- is cut into chunks; a chunk has one embedding per model. Every table leads with shop_id and
-- cascades from shops, so shop/redact stays one DELETE.

-- (shop_id, tsv) in one GIN index: full-text search never reads another shop's postings.
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE TABLE knowledge_sources (
    shop_id          bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id               bigint GENERATED ALWAYS AS IDENTITY,
    kind             text NOT NULL
        CHECK (kind IN ('shopify_catalog', 'shopify_content', 'web', 'files', 'faq')),
    -- Distinguishes sources of one kind (a crawl's start URL; "default" otherwise).
    name             text NOT NULL,
    config           jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(config) = 'object'),
    status           text NOT NULL DEFAULT 'idle'
        CHECK (status IN ('idle', 'queued', 'syncing', 'failed')),
    -- Progress of the current (or last) sync.
    seen             integer NOT NULL DEFAULT 0,
    processed        integer NOT NULL DEFAULT 0,
    failed           integer NOT NULL DEFAULT 0,
    last_error       text,
    sync_started_at  timestamptz,
    last_synced_at   timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, id),
    UNIQUE (shop_id, kind, name)
);

CREATE TRIGGER knowledge_sources_updated_at BEFORE UPDATE ON knowledge_sources
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE documents (
    shop_id            bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id                 bigint GENERATED ALWAYS AS IDENTITY,
    source_id          bigint NOT NULL,
    kind               text NOT NULL
        CHECK (kind IN ('product', 'page', 'article', 'policy', 'web', 'file', 'faq')),
    external_id        text NOT NULL,
    url                text,
    title              text NOT NULL,
    fields             jsonb NOT NULL DEFAULT '{}'::jsonb,
    content_hash       text NOT NULL,
    source_updated_at  timestamptz,
    -- The last sync that saw this document; a full sync deletes what it did not see.
    seen_at            timestamptz NOT NULL DEFAULT now(),
    -- HTTP validators of a crawled page, for conditional GETs on the next crawl.
    etag               text,
    last_modified      text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, id),
    UNIQUE (shop_id, source_id, external_id),
    FOREIGN KEY (shop_id, source_id) REFERENCES knowledge_sources (shop_id, id) ON DELETE CASCADE
);

CREATE TRIGGER documents_updated_at BEFORE UPDATE ON documents
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE chunks (
    shop_id       bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id            bigint GENERATED ALWAYS AS IDENTITY,
    document_id   bigint NOT NULL,
    ordinal       integer NOT NULL,
    title         text NOT NULL,
    heading_path  text NOT NULL DEFAULT '',
    body          text NOT NULL,
    -- What was embedded (title, heading path and body as the model saw them).
    content       text NOT NULL,
    -- The text search configuration of the shop's language when the chunk was written.
    language      regconfig NOT NULL DEFAULT 'english',
    -- Title outweighs headings, headings outweigh the body.
    tsv           tsvector GENERATED ALWAYS AS (
                      setweight(to_tsvector(language, title), 'A')
                      || setweight(to_tsvector(language, heading_path), 'B')
                      || setweight(to_tsvector(language, body), 'C')
                  ) STORED,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, id),
    UNIQUE (shop_id, document_id, ordinal),
    FOREIGN KEY (shop_id, document_id) REFERENCES documents (shop_id, id) ON DELETE CASCADE
);

CREATE INDEX chunks_tsv ON chunks USING gin (shop_id, tsv);

-- Embedding models by number: a partial HNSW index per model names its number, so a query
-- that states the number as a literal can use that model's index (a parameter could not).
CREATE TABLE embedding_models (
    id          smallint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    dimensions  integer NOT NULL CHECK (dimensions BETWEEN 1 AND 2000),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One vector per chunk per model: a model change embeds beside the old vectors, and search
-- keeps using the old ones until the shop's new set is complete.
CREATE TABLE chunk_embeddings (
    shop_id    bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    chunk_id   bigint NOT NULL,
    model_id   smallint NOT NULL REFERENCES embedding_models (id),
    embedding  vector NOT NULL,
    PRIMARY KEY (shop_id, model_id, chunk_id),
    FOREIGN KEY (shop_id, chunk_id) REFERENCES chunks (shop_id, id) ON DELETE CASCADE
);

-- Uploaded files, kept until their ingest job has read them: an accepted upload is never
-- lost, whatever happens to the worker.
CREATE TABLE knowledge_uploads (
    shop_id       bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id            bigint GENERATED ALWAYS AS IDENTITY,
    source_id     bigint NOT NULL,
    name          text NOT NULL,
    content       bytea NOT NULL,
    processed_at  timestamptz,
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, id),
    FOREIGN KEY (shop_id, source_id) REFERENCES knowledge_sources (shop_id, id) ON DELETE CASCADE
);

-- Which model a shop's search uses: set when its vectors for that model are complete.
CREATE TABLE shop_search_models (
    shop_id     bigint PRIMARY KEY REFERENCES shops (id) ON DELETE CASCADE,
    model_id    smallint NOT NULL REFERENCES embedding_models (id),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The text search configuration for a shop's content: its primary language (an ISO code in
-- settings.language, e.g. "fr"), where PostgreSQL has a stemmer for it; 'simple' (no stemming,
-- no stop words) for other languages; 'english' when unset.
CREATE FUNCTION shop_text_config(p_shop_id bigint) RETURNS regconfig
LANGUAGE sql STABLE AS $$
    SELECT CASE lower(split_part(coalesce(settings ->> 'language', 'en'), '-', 1))
        WHEN 'en' THEN 'english' WHEN 'fr' THEN 'french' WHEN 'de' THEN 'german'
        WHEN 'es' THEN 'spanish' WHEN 'it' THEN 'italian' WHEN 'pt' THEN 'portuguese'
        WHEN 'nl' THEN 'dutch' WHEN 'sv' THEN 'swedish' WHEN 'da' THEN 'danish'
        WHEN 'nb' THEN 'norwegian' WHEN 'no' THEN 'norwegian' WHEN 'fi' THEN 'finnish'
        WHEN 'ru' THEN 'russian' WHEN 'tr' THEN 'turkish' WHEN 'hu' THEN 'hungarian'
        WHEN 'ro' THEN 'romanian' WHEN 'el' THEN 'greek' WHEN 'id' THEN 'indonesian'
        WHEN 'ga' THEN 'irish' WHEN 'lt' THEN 'lithuanian' WHEN 'ar' THEN 'arabic'
        WHEN 'sr' THEN 'serbian' WHEN 'ta' THEN 'tamil' WHEN 'ne' THEN 'nepali'
        WHEN 'ca' THEN 'catalan' WHEN 'hy' THEN 'armenian' WHEN 'eu' THEN 'basque'
        WHEN 'hi' THEN 'hindi' WHEN 'yi' THEN 'yiddish'
        ELSE 'simple' END::regconfig
    FROM shops WHERE id = p_shop_id
$$;
