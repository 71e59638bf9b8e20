-- Keyword search ranks the chunks holding a query word in their title or headings first, and
-- ranks every match only when those cannot settle the top k (src/knowledge/search.rs): their
-- words get an index of their own, small (titles and headings are short) and led by shop_id
-- like chunks_tsv. The expression is the one search.rs writes, so that the planner matches it.
CREATE INDEX chunks_head_tsv ON chunks
    USING gin (shop_id, (to_tsvector(language, title) || to_tsvector(language, heading_path)));

-- Ranking reads each candidate's tsv: kept in the row (compressed if need be), it costs one heap
-- page, where TOAST cost three more buffers for the ~60% of chunks whose tsv, their largest
-- column, went out of line. The body and embedded content are moved out first instead: they are
-- read for the final hits only. Applies to rows written from now on (every sync rewrites the
-- chunks it changes).
ALTER TABLE chunks ALTER COLUMN tsv SET STORAGE MAIN;
