package store

// migration0009 makes the lists, the overview, search and the history of
// an action cost the same however much the tracker holds:
//
//   - each sort of the action log and of the recommendations has an index
//     on exactly its ORDER BY, carrying the columns the filters test, so a
//     page is read from the index in order and stops after a page; NULL
//     dates sort through a flag and a stand-in date, so every key is
//     comparable and a page can start after the last row of the one before
//     (keyset pages);
//   - tallies (the number of live actions per organisation, source, owner,
//     status, RAG and, when open, due date; of recommendations per source,
//     status and, when outstanding, deadline; of addressed recommendations
//     per organisation as well) are kept by triggers in the same
//     transaction as every write, whatever writes it, so the overview and
//     the lists' totals add up a few tally rows instead of counting rows;
//   - audit_latest keeps each item's last change and change_days how many
//     items last changed on each day, so "changed since" reads a few rows;
//   - search reads documents in the order it shows them: on SQLite the
//     full-text index is numbered by entity then id (search_documents'
//     rowid is the entity's rank times 2^40 plus its id) and indexes every
//     prefix of up to twelve characters, so a prefix is one list to walk
//     instead of a merge of every word it begins; on PostgreSQL the
//     document's tsvector is stored, so testing a row is cheap.
//
// On PostgreSQL a writer of many rows in one transaction sets
// tracker.defer_derived and rebuilds the derived tables at its end (see
// store.deferDerived).
//
// The tallies keep a stand-in date (9999-12-31) where the date does not
// count: an action not open, a recommendation not outstanding, no date.
var migration0009 = migration{
	id: "0009_indexes",
	up: []string{
		`CREATE TABLE action_tallies (
			organisation_id BIGINT NOT NULL,
			source_id BIGINT NOT NULL,
			owner TEXT NOT NULL,
			status TEXT NOT NULL,
			rag TEXT NOT NULL,
			due_date DATE NOT NULL,
			n BIGINT NOT NULL,
			PRIMARY KEY (organisation_id, source_id, owner, status, rag, due_date)
		)`,
		// The overview adds tallies up by status, organisation and owner;
		// read in that order from an index, SQLite needs no sort.
		`CREATE INDEX action_tallies_status ON action_tallies (status, due_date, n)`,
		`CREATE INDEX action_tallies_organisation ON action_tallies (organisation_id, status, due_date, n)`,
		`CREATE INDEX action_tallies_owner ON action_tallies (owner, status, due_date, n)`,
		`CREATE TABLE recommendation_tallies (
			source_id BIGINT NOT NULL,
			status TEXT NOT NULL,
			deadline_date DATE NOT NULL,
			n BIGINT NOT NULL,
			PRIMARY KEY (source_id, status, deadline_date)
		)`,
		`CREATE TABLE addressee_tallies (
			organisation_id BIGINT NOT NULL,
			source_id BIGINT NOT NULL,
			status TEXT NOT NULL,
			deadline_date DATE NOT NULL,
			n BIGINT NOT NULL,
			PRIMARY KEY (organisation_id, source_id, status, deadline_date)
		)`,
		`CREATE INDEX addressee_tallies_source ON addressee_tallies (source_id)`,
		`CREATE TABLE audit_latest (
			entity TEXT NOT NULL,
			entity_id BIGINT NOT NULL,
			last_id BIGINT NOT NULL,
			last_at {{ts}} NOT NULL,
			last_day BIGINT NOT NULL,
			PRIMARY KEY (entity, entity_id)
		)`,
		`CREATE INDEX audit_latest_last ON audit_latest (last_id)`,
		`CREATE INDEX audit_latest_at ON audit_latest (entity, last_at)`,
		`CREATE TABLE change_days (
			entity TEXT NOT NULL,
			day BIGINT NOT NULL,
			n BIGINT NOT NULL,
			PRIMARY KEY (entity, day)
		)`,
	},
	upSQLite: []string{
		// The action log and the recommendations, one index per sort, on
		// the one text key that orders each (see store.actionOrders);
		// SQLite sorts NULL first.
		`CREATE INDEX actions_list_due ON actions ((CASE WHEN status IN ('not_started', 'in_progress') THEN '0' ELSE '1' END
			|| CASE WHEN due_date IS NULL THEN '1' ELSE '0' END || COALESCE(due_date, '') || printf('%020d', id)),
			id, organisation_id, source_id, recommendation_id, reference_id, owner, status, rag, due_date, deleted_at) WHERE deleted_at IS NULL`,
		`CREATE INDEX actions_list_owner ON actions ((CASE WHEN owner = '' THEN '1' ELSE '0' END || owner || char(1)
			|| CASE WHEN due_date IS NULL THEN '0' ELSE '1' END || COALESCE(due_date, '') || printf('%020d', id)),
			id, organisation_id, source_id, recommendation_id, reference_id, owner, status, rag, due_date, deleted_at) WHERE deleted_at IS NULL`,
		`CREATE INDEX actions_list_status ON actions ((CASE status WHEN 'not_started' THEN '0' WHEN 'in_progress' THEN '1' WHEN 'completed' THEN '2' ELSE '3' END
			|| CASE WHEN due_date IS NULL THEN '0' ELSE '1' END || COALESCE(due_date, '') || printf('%020d', id)),
			id, organisation_id, source_id, recommendation_id, reference_id, owner, status, rag, due_date, deleted_at) WHERE deleted_at IS NULL`,
		`CREATE INDEX actions_list_rag ON actions ((CASE rag WHEN 'red' THEN '0' WHEN 'amber' THEN '1' WHEN 'green' THEN '2' ELSE '3' END
			|| CASE WHEN due_date IS NULL THEN '0' ELSE '1' END || COALESCE(due_date, '') || printf('%020d', id)),
			id, organisation_id, source_id, recommendation_id, reference_id, owner, status, rag, due_date, deleted_at) WHERE deleted_at IS NULL`,
		`CREATE INDEX actions_list_changed ON actions ((updated_at || printf('%020d', id)),
			id, organisation_id, source_id, recommendation_id, reference_id, owner, status, rag, due_date, updated_at, deleted_at) WHERE deleted_at IS NULL`,
		`CREATE INDEX recommendations_list_number ON recommendations ((printf('%020d', source_id) || printf('%010d', LENGTH(number)) || number),
			id, source_id, number, status, deadline_date, deleted_at) WHERE deleted_at IS NULL`,
		`CREATE INDEX recommendations_list_deadline ON recommendations ((CASE WHEN deadline_date IS NULL THEN '1' ELSE '0' END || COALESCE(deadline_date, '')
			|| printf('%020d', source_id) || printf('%010d', LENGTH(number)) || number),
			id, source_id, number, status, deadline_date, deleted_at) WHERE deleted_at IS NULL`,
		`CREATE INDEX recommendations_list_status ON recommendations ((CASE status WHEN 'open' THEN '0' WHEN 'in_progress' THEN '1' WHEN 'implemented' THEN '2' ELSE '3' END
			|| printf('%020d', source_id) || printf('%010d', LENGTH(number)) || number),
			id, source_id, number, status, deadline_date, deleted_at) WHERE deleted_at IS NULL`,

		// Tallies of actions.
		`INSERT INTO action_tallies (organisation_id, source_id, owner, status, rag, due_date, n)
			SELECT organisation_id, COALESCE(source_id, 0), owner, status, rag,
				CASE WHEN status IN ('not_started', 'in_progress') AND due_date IS NOT NULL THEN due_date ELSE '9999-12-31 00:00:00+00:00' END, COUNT(*)
			FROM actions WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4, 5, 6`,
		`CREATE TRIGGER actions_tally_ai AFTER INSERT ON actions WHEN NEW.deleted_at IS NULL BEGIN
			INSERT INTO action_tallies (organisation_id, source_id, owner, status, rag, due_date, n)
			VALUES (NEW.organisation_id, COALESCE(NEW.source_id, 0), NEW.owner, NEW.status, NEW.rag,
				CASE WHEN NEW.status IN ('not_started', 'in_progress') AND NEW.due_date IS NOT NULL THEN NEW.due_date ELSE '9999-12-31 00:00:00+00:00' END, 1)
			ON CONFLICT (organisation_id, source_id, owner, status, rag, due_date) DO UPDATE SET n = n + 1;
		END`,
		`CREATE TRIGGER actions_tally_ad AFTER DELETE ON actions WHEN OLD.deleted_at IS NULL BEGIN
			UPDATE action_tallies SET n = n - 1
			WHERE organisation_id = OLD.organisation_id AND source_id = COALESCE(OLD.source_id, 0) AND owner = OLD.owner AND status = OLD.status AND rag = OLD.rag
				AND due_date = CASE WHEN OLD.status IN ('not_started', 'in_progress') AND OLD.due_date IS NOT NULL THEN OLD.due_date ELSE '9999-12-31 00:00:00+00:00' END;
		END`,
		`CREATE TRIGGER actions_tally_au AFTER UPDATE OF organisation_id, source_id, owner, status, rag, due_date, deleted_at ON actions BEGIN
			UPDATE action_tallies SET n = n - 1
			WHERE OLD.deleted_at IS NULL
				AND organisation_id = OLD.organisation_id AND source_id = COALESCE(OLD.source_id, 0) AND owner = OLD.owner AND status = OLD.status AND rag = OLD.rag
				AND due_date = CASE WHEN OLD.status IN ('not_started', 'in_progress') AND OLD.due_date IS NOT NULL THEN OLD.due_date ELSE '9999-12-31 00:00:00+00:00' END;
			INSERT INTO action_tallies (organisation_id, source_id, owner, status, rag, due_date, n)
			SELECT NEW.organisation_id, COALESCE(NEW.source_id, 0), NEW.owner, NEW.status, NEW.rag,
				CASE WHEN NEW.status IN ('not_started', 'in_progress') AND NEW.due_date IS NOT NULL THEN NEW.due_date ELSE '9999-12-31 00:00:00+00:00' END, 1
			WHERE NEW.deleted_at IS NULL
			ON CONFLICT (organisation_id, source_id, owner, status, rag, due_date) DO UPDATE SET n = n + 1;
		END`,

		// Tallies of recommendations, and of them per addressee. A
		// recommendation deleted outright takes its addressees' tallies
		// with it before its addressees go (SQLite deletes them after the
		// recommendation, when it is no longer there to be looked up).
		`INSERT INTO recommendation_tallies (source_id, status, deadline_date, n)
			SELECT source_id, status,
				CASE WHEN status IN ('open', 'in_progress') AND deadline_date IS NOT NULL THEN deadline_date ELSE '9999-12-31 00:00:00+00:00' END, COUNT(*)
			FROM recommendations WHERE deleted_at IS NULL GROUP BY 1, 2, 3`,
		`INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
			SELECT a.organisation_id, r.source_id, r.status,
				CASE WHEN r.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE '9999-12-31 00:00:00+00:00' END, COUNT(*)
			FROM recommendation_addressees a JOIN recommendations r ON r.id = a.recommendation_id WHERE r.deleted_at IS NULL GROUP BY 1, 2, 3, 4`,
		`CREATE TRIGGER recommendations_tally_ai AFTER INSERT ON recommendations WHEN NEW.deleted_at IS NULL BEGIN
			INSERT INTO recommendation_tallies (source_id, status, deadline_date, n)
			VALUES (NEW.source_id, NEW.status,
				CASE WHEN NEW.status IN ('open', 'in_progress') AND NEW.deadline_date IS NOT NULL THEN NEW.deadline_date ELSE '9999-12-31 00:00:00+00:00' END, 1)
			ON CONFLICT (source_id, status, deadline_date) DO UPDATE SET n = n + 1;
			INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
			SELECT a.organisation_id, NEW.source_id, NEW.status,
				CASE WHEN NEW.status IN ('open', 'in_progress') AND NEW.deadline_date IS NOT NULL THEN NEW.deadline_date ELSE '9999-12-31 00:00:00+00:00' END, 1
			FROM recommendation_addressees a WHERE a.recommendation_id = NEW.id
			ON CONFLICT (organisation_id, source_id, status, deadline_date) DO UPDATE SET n = n + 1;
		END`,
		`CREATE TRIGGER recommendations_tally_bd BEFORE DELETE ON recommendations WHEN OLD.deleted_at IS NULL BEGIN
			UPDATE recommendation_tallies SET n = n - 1
			WHERE source_id = OLD.source_id AND status = OLD.status
				AND deadline_date = CASE WHEN OLD.status IN ('open', 'in_progress') AND OLD.deadline_date IS NOT NULL THEN OLD.deadline_date ELSE '9999-12-31 00:00:00+00:00' END;
			UPDATE addressee_tallies SET n = n - 1
			WHERE source_id = OLD.source_id AND status = OLD.status
				AND deadline_date = CASE WHEN OLD.status IN ('open', 'in_progress') AND OLD.deadline_date IS NOT NULL THEN OLD.deadline_date ELSE '9999-12-31 00:00:00+00:00' END
				AND organisation_id IN (SELECT organisation_id FROM recommendation_addressees WHERE recommendation_id = OLD.id);
		END`,
		`CREATE TRIGGER recommendations_tally_au AFTER UPDATE OF source_id, status, deadline_date, deleted_at ON recommendations BEGIN
			UPDATE recommendation_tallies SET n = n - 1
			WHERE OLD.deleted_at IS NULL AND source_id = OLD.source_id AND status = OLD.status
				AND deadline_date = CASE WHEN OLD.status IN ('open', 'in_progress') AND OLD.deadline_date IS NOT NULL THEN OLD.deadline_date ELSE '9999-12-31 00:00:00+00:00' END;
			INSERT INTO recommendation_tallies (source_id, status, deadline_date, n)
			SELECT NEW.source_id, NEW.status,
				CASE WHEN NEW.status IN ('open', 'in_progress') AND NEW.deadline_date IS NOT NULL THEN NEW.deadline_date ELSE '9999-12-31 00:00:00+00:00' END, 1
			WHERE NEW.deleted_at IS NULL
			ON CONFLICT (source_id, status, deadline_date) DO UPDATE SET n = n + 1;
			UPDATE addressee_tallies SET n = n - 1
			WHERE OLD.deleted_at IS NULL AND source_id = OLD.source_id AND status = OLD.status
				AND deadline_date = CASE WHEN OLD.status IN ('open', 'in_progress') AND OLD.deadline_date IS NOT NULL THEN OLD.deadline_date ELSE '9999-12-31 00:00:00+00:00' END
				AND organisation_id IN (SELECT organisation_id FROM recommendation_addressees WHERE recommendation_id = OLD.id);
			INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
			SELECT a.organisation_id, NEW.source_id, NEW.status,
				CASE WHEN NEW.status IN ('open', 'in_progress') AND NEW.deadline_date IS NOT NULL THEN NEW.deadline_date ELSE '9999-12-31 00:00:00+00:00' END, 1
			FROM recommendation_addressees a WHERE a.recommendation_id = NEW.id AND NEW.deleted_at IS NULL
			ON CONFLICT (organisation_id, source_id, status, deadline_date) DO UPDATE SET n = n + 1;
		END`,
		`CREATE TRIGGER addressees_tally_ai AFTER INSERT ON recommendation_addressees BEGIN
			INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
			SELECT NEW.organisation_id, r.source_id, r.status,
				CASE WHEN r.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE '9999-12-31 00:00:00+00:00' END, 1
			FROM recommendations r WHERE r.id = NEW.recommendation_id AND r.deleted_at IS NULL
			ON CONFLICT (organisation_id, source_id, status, deadline_date) DO UPDATE SET n = n + 1;
		END`,
		`CREATE TRIGGER addressees_tally_ad AFTER DELETE ON recommendation_addressees BEGIN
			UPDATE addressee_tallies SET n = n - 1
			WHERE organisation_id = OLD.organisation_id AND (source_id, status, deadline_date) IN (
				SELECT r.source_id, r.status,
					CASE WHEN r.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE '9999-12-31 00:00:00+00:00' END
				FROM recommendations r WHERE r.id = OLD.recommendation_id AND r.deleted_at IS NULL);
		END`,
		`CREATE TRIGGER addressees_tally_au AFTER UPDATE OF recommendation_id, organisation_id ON recommendation_addressees BEGIN
			UPDATE addressee_tallies SET n = n - 1
			WHERE organisation_id = OLD.organisation_id AND (source_id, status, deadline_date) IN (
				SELECT r.source_id, r.status,
					CASE WHEN r.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE '9999-12-31 00:00:00+00:00' END
				FROM recommendations r WHERE r.id = OLD.recommendation_id AND r.deleted_at IS NULL);
			INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
			SELECT NEW.organisation_id, r.source_id, r.status,
				CASE WHEN r.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE '9999-12-31 00:00:00+00:00' END, 1
			FROM recommendations r WHERE r.id = NEW.recommendation_id AND r.deleted_at IS NULL
			ON CONFLICT (organisation_id, source_id, status, deadline_date) DO UPDATE SET n = n + 1;
		END`,

		// Each item's last change, and how many items last changed on each
		// day (days since 1970-01-01, in UTC).
		`INSERT INTO audit_latest (entity, entity_id, last_id, last_at, last_day)
			SELECT entity, entity_id, MAX(id), MAX(at), CAST(julianday(MAX(at)) - 2440587.5 AS INTEGER) FROM audit_events GROUP BY entity, entity_id`,
		`INSERT INTO change_days (entity, day, n) SELECT entity, last_day, COUNT(*) FROM audit_latest GROUP BY entity, last_day`,
		`CREATE TRIGGER audit_latest_ai AFTER INSERT ON audit_events BEGIN
			UPDATE change_days SET n = n - 1
			WHERE entity = NEW.entity AND day = (SELECT last_day FROM audit_latest
				WHERE entity = NEW.entity AND entity_id = NEW.entity_id AND last_day < CAST(julianday(NEW.at) - 2440587.5 AS INTEGER));
			INSERT INTO change_days (entity, day, n)
			SELECT NEW.entity, CAST(julianday(NEW.at) - 2440587.5 AS INTEGER), 1
			WHERE NOT EXISTS (SELECT 1 FROM audit_latest
				WHERE entity = NEW.entity AND entity_id = NEW.entity_id AND last_day >= CAST(julianday(NEW.at) - 2440587.5 AS INTEGER))
			ON CONFLICT (entity, day) DO UPDATE SET n = n + 1;
			INSERT INTO audit_latest (entity, entity_id, last_id, last_at, last_day)
			VALUES (NEW.entity, NEW.entity_id, NEW.id, NEW.at, CAST(julianday(NEW.at) - 2440587.5 AS INTEGER))
			ON CONFLICT (entity, entity_id) DO UPDATE SET
				last_id = MAX(last_id, excluded.last_id), last_at = MAX(last_at, excluded.last_at), last_day = MAX(last_day, excluded.last_day);
		END`,

		// Search: documents numbered in the order search shows them, and
		// every prefix of up to twelve characters indexed. The documents
		// are written again after this step (see reindexAll).
		`DROP TRIGGER search_documents_au`,
		`DROP TRIGGER search_documents_ad`,
		`DROP TRIGGER search_documents_ai`,
		`DROP TABLE search_fts`,
		`DELETE FROM search_documents`,
		`CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_documents', detail=column,
			prefix='1 2 3 4 5 6 7 8 9 10 11 12', tokenize='unicode61 remove_diacritics 0')`,
		`CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
			INSERT INTO search_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
		END`,
		`CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
			INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
		END`,
		`CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
			INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
			INSERT INTO search_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
		END`,
	},
	upPostgres: []string{
		// The action log, one index per sort; PostgreSQL sorts NULL last.
		`CREATE INDEX actions_list_due ON actions (
			(CASE WHEN status IN ('not_started', 'in_progress') THEN 0 ELSE 1 END), (CASE WHEN due_date IS NULL THEN 1 ELSE 0 END),
			(COALESCE(due_date, DATE '0001-01-01')), id)
			INCLUDE (organisation_id, source_id, recommendation_id, reference_id, owner, status, rag, due_date) WHERE deleted_at IS NULL`,
		`CREATE INDEX actions_list_owner ON actions (
			(CASE WHEN owner = '' THEN 1 ELSE 0 END), owner, (CASE WHEN due_date IS NULL THEN 1 ELSE 0 END),
			(COALESCE(due_date, DATE '0001-01-01')), id)
			INCLUDE (organisation_id, source_id, recommendation_id, reference_id, status, rag, due_date) WHERE deleted_at IS NULL`,
		`CREATE INDEX actions_list_status ON actions (
			(CASE status WHEN 'not_started' THEN 0 WHEN 'in_progress' THEN 1 WHEN 'completed' THEN 2 ELSE 3 END), (CASE WHEN due_date IS NULL THEN 1 ELSE 0 END),
			(COALESCE(due_date, DATE '0001-01-01')), id)
			INCLUDE (organisation_id, source_id, recommendation_id, reference_id, owner, status, rag, due_date) WHERE deleted_at IS NULL`,
		`CREATE INDEX actions_list_rag ON actions (
			(CASE rag WHEN 'red' THEN 0 WHEN 'amber' THEN 1 WHEN 'green' THEN 2 ELSE 3 END), (CASE WHEN due_date IS NULL THEN 1 ELSE 0 END),
			(COALESCE(due_date, DATE '0001-01-01')), id)
			INCLUDE (organisation_id, source_id, recommendation_id, reference_id, owner, status, rag, due_date) WHERE deleted_at IS NULL`,
		`CREATE INDEX actions_list_changed ON actions (updated_at, id)
			INCLUDE (organisation_id, source_id, recommendation_id, reference_id, owner, status, rag, due_date) WHERE deleted_at IS NULL`,
		`CREATE INDEX recommendations_list_number ON recommendations (source_id, (LENGTH(number)), number, id) INCLUDE (status, deadline_date) WHERE deleted_at IS NULL`,
		`CREATE INDEX recommendations_list_deadline ON recommendations (
			(CASE WHEN deadline_date IS NULL THEN 1 ELSE 0 END), (COALESCE(deadline_date, DATE '0001-01-01')),
			source_id, (LENGTH(number)), number, id) INCLUDE (status, deadline_date) WHERE deleted_at IS NULL`,
		`CREATE INDEX recommendations_list_status ON recommendations (
			(CASE status WHEN 'open' THEN 0 WHEN 'in_progress' THEN 1 WHEN 'implemented' THEN 2 ELSE 3 END),
			source_id, (LENGTH(number)), number, id) INCLUDE (status, deadline_date) WHERE deleted_at IS NULL`,

		// Tallies of actions.
		`INSERT INTO action_tallies (organisation_id, source_id, owner, status, rag, due_date, n)
			SELECT organisation_id, COALESCE(source_id, 0), owner, status, rag,
				CASE WHEN status IN ('not_started', 'in_progress') AND due_date IS NOT NULL THEN due_date ELSE DATE '9999-12-31' END, COUNT(*)
			FROM actions WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4, 5, 6`,
		`CREATE FUNCTION action_tally() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF current_setting('tracker.defer_derived', true) = 'on' THEN
				RETURN NULL;
			END IF;
			IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN
				UPDATE action_tallies SET n = n - 1
				WHERE organisation_id = OLD.organisation_id AND source_id = COALESCE(OLD.source_id, 0) AND owner = OLD.owner AND status = OLD.status AND rag = OLD.rag
					AND due_date = CASE WHEN OLD.status IN ('not_started', 'in_progress') AND OLD.due_date IS NOT NULL THEN OLD.due_date ELSE DATE '9999-12-31' END;
			END IF;
			IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.deleted_at IS NULL THEN
				INSERT INTO action_tallies (organisation_id, source_id, owner, status, rag, due_date, n)
				VALUES (NEW.organisation_id, COALESCE(NEW.source_id, 0), NEW.owner, NEW.status, NEW.rag,
					CASE WHEN NEW.status IN ('not_started', 'in_progress') AND NEW.due_date IS NOT NULL THEN NEW.due_date ELSE DATE '9999-12-31' END, 1)
				ON CONFLICT (organisation_id, source_id, owner, status, rag, due_date) DO UPDATE SET n = action_tallies.n + 1;
			END IF;
			RETURN NULL;
		END $$`,
		`CREATE TRIGGER actions_tally AFTER INSERT OR DELETE OR UPDATE OF organisation_id, source_id, owner, status, rag, due_date, deleted_at
			ON actions FOR EACH ROW EXECUTE FUNCTION action_tally()`,

		// Tallies of recommendations, and of them per addressee. A
		// recommendation deleted outright takes its addressees' tallies
		// with it before the cascade deletes its addressees.
		`INSERT INTO recommendation_tallies (source_id, status, deadline_date, n)
			SELECT source_id, status,
				CASE WHEN status IN ('open', 'in_progress') AND deadline_date IS NOT NULL THEN deadline_date ELSE DATE '9999-12-31' END, COUNT(*)
			FROM recommendations WHERE deleted_at IS NULL GROUP BY 1, 2, 3`,
		`INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
			SELECT a.organisation_id, r.source_id, r.status,
				CASE WHEN r.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE DATE '9999-12-31' END, COUNT(*)
			FROM recommendation_addressees a JOIN recommendations r ON r.id = a.recommendation_id WHERE r.deleted_at IS NULL GROUP BY 1, 2, 3, 4`,
		`CREATE FUNCTION recommendation_tally() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF current_setting('tracker.defer_derived', true) = 'on' THEN
				IF TG_OP = 'DELETE' THEN
					RETURN OLD;
				END IF;
				RETURN NULL;
			END IF;
			IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN
				UPDATE recommendation_tallies SET n = n - 1
				WHERE source_id = OLD.source_id AND status = OLD.status
					AND deadline_date = CASE WHEN OLD.status IN ('open', 'in_progress') AND OLD.deadline_date IS NOT NULL THEN OLD.deadline_date ELSE DATE '9999-12-31' END;
				UPDATE addressee_tallies SET n = n - 1
				WHERE source_id = OLD.source_id AND status = OLD.status
					AND deadline_date = CASE WHEN OLD.status IN ('open', 'in_progress') AND OLD.deadline_date IS NOT NULL THEN OLD.deadline_date ELSE DATE '9999-12-31' END
					AND organisation_id IN (SELECT organisation_id FROM recommendation_addressees WHERE recommendation_id = OLD.id);
			END IF;
			IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.deleted_at IS NULL THEN
				INSERT INTO recommendation_tallies (source_id, status, deadline_date, n)
				VALUES (NEW.source_id, NEW.status,
					CASE WHEN NEW.status IN ('open', 'in_progress') AND NEW.deadline_date IS NOT NULL THEN NEW.deadline_date ELSE DATE '9999-12-31' END, 1)
				ON CONFLICT (source_id, status, deadline_date) DO UPDATE SET n = recommendation_tallies.n + 1;
				INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
				SELECT a.organisation_id, NEW.source_id, NEW.status,
					CASE WHEN NEW.status IN ('open', 'in_progress') AND NEW.deadline_date IS NOT NULL THEN NEW.deadline_date ELSE DATE '9999-12-31' END, 1
				FROM recommendation_addressees a WHERE a.recommendation_id = NEW.id
				ON CONFLICT (organisation_id, source_id, status, deadline_date) DO UPDATE SET n = addressee_tallies.n + 1;
			END IF;
			IF TG_OP = 'DELETE' THEN
				RETURN OLD;
			END IF;
			RETURN NULL;
		END $$`,
		`CREATE TRIGGER recommendations_tally AFTER INSERT OR UPDATE OF source_id, status, deadline_date, deleted_at
			ON recommendations FOR EACH ROW EXECUTE FUNCTION recommendation_tally()`,
		`CREATE TRIGGER recommendations_tally_bd BEFORE DELETE ON recommendations FOR EACH ROW EXECUTE FUNCTION recommendation_tally()`,
		`CREATE FUNCTION addressee_tally() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF current_setting('tracker.defer_derived', true) = 'on' THEN
				RETURN NULL;
			END IF;
			IF TG_OP IN ('UPDATE', 'DELETE') THEN
				UPDATE addressee_tallies t SET n = t.n - 1
				FROM recommendations r
				WHERE r.id = OLD.recommendation_id AND r.deleted_at IS NULL
					AND t.organisation_id = OLD.organisation_id AND t.source_id = r.source_id AND t.status = r.status
					AND t.deadline_date = CASE WHEN r.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE DATE '9999-12-31' END;
			END IF;
			IF TG_OP IN ('UPDATE', 'INSERT') THEN
				INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
				SELECT NEW.organisation_id, r.source_id, r.status,
					CASE WHEN r.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE DATE '9999-12-31' END, 1
				FROM recommendations r WHERE r.id = NEW.recommendation_id AND r.deleted_at IS NULL
				ON CONFLICT (organisation_id, source_id, status, deadline_date) DO UPDATE SET n = addressee_tallies.n + 1;
			END IF;
			RETURN NULL;
		END $$`,
		`CREATE TRIGGER addressees_tally AFTER INSERT OR DELETE OR UPDATE OF recommendation_id, organisation_id
			ON recommendation_addressees FOR EACH ROW EXECUTE FUNCTION addressee_tally()`,

		// Each item's last change, and how many items last changed on each
		// day (days since 1970-01-01, in UTC).
		`INSERT INTO audit_latest (entity, entity_id, last_id, last_at, last_day)
			SELECT entity, entity_id, MAX(id), MAX(at), FLOOR(EXTRACT(EPOCH FROM MAX(at)) / 86400)::BIGINT FROM audit_events GROUP BY entity, entity_id`,
		`INSERT INTO change_days (entity, day, n) SELECT entity, last_day, COUNT(*) FROM audit_latest GROUP BY entity, last_day`,
		`CREATE FUNCTION audit_latest_track() RETURNS trigger LANGUAGE plpgsql AS $$
		DECLARE
			today BIGINT := FLOOR(EXTRACT(EPOCH FROM NEW.at) / 86400)::BIGINT;
			was BIGINT;
		BEGIN
			IF current_setting('tracker.defer_derived', true) = 'on' THEN
				RETURN NULL;
			END IF;
			SELECT last_day INTO was FROM audit_latest WHERE entity = NEW.entity AND entity_id = NEW.entity_id FOR UPDATE;
			IF NOT FOUND THEN
				INSERT INTO change_days (entity, day, n) VALUES (NEW.entity, today, 1)
				ON CONFLICT (entity, day) DO UPDATE SET n = change_days.n + 1;
				INSERT INTO audit_latest (entity, entity_id, last_id, last_at, last_day) VALUES (NEW.entity, NEW.entity_id, NEW.id, NEW.at, today);
				RETURN NULL;
			END IF;
			IF was < today THEN
				UPDATE change_days SET n = n - 1 WHERE entity = NEW.entity AND day = was;
				INSERT INTO change_days (entity, day, n) VALUES (NEW.entity, today, 1)
				ON CONFLICT (entity, day) DO UPDATE SET n = change_days.n + 1;
			END IF;
			UPDATE audit_latest SET last_id = GREATEST(last_id, NEW.id), last_at = GREATEST(last_at, NEW.at), last_day = GREATEST(last_day, today)
			WHERE entity = NEW.entity AND entity_id = NEW.entity_id;
			RETURN NULL;
		END $$`,
		`CREATE TRIGGER audit_latest_track AFTER INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_latest_track()`,

		// Search: the document's words stored, so testing a row is cheap.
		`DROP INDEX search_documents_fts`,
		`ALTER TABLE search_documents ADD COLUMN words tsvector GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || body)) STORED`,
		`CREATE INDEX search_documents_words ON search_documents USING GIN (words)`,
	},
	downSQLite: []string{
		`DROP TRIGGER search_documents_au`, `DROP TRIGGER search_documents_ad`, `DROP TRIGGER search_documents_ai`, `DROP TABLE search_fts`,
		`CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_documents', tokenize='unicode61 remove_diacritics 0')`,
		`CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
			INSERT INTO search_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
		END`,
		`CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
			INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
		END`,
		`CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
			INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
			INSERT INTO search_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
		END`,
		`INSERT INTO search_fts(search_fts) VALUES ('rebuild')`,
		`DROP TRIGGER audit_latest_ai`,
		`DROP TRIGGER addressees_tally_au`, `DROP TRIGGER addressees_tally_ad`, `DROP TRIGGER addressees_tally_ai`,
		`DROP TRIGGER recommendations_tally_au`, `DROP TRIGGER recommendations_tally_bd`, `DROP TRIGGER recommendations_tally_ai`,
		`DROP TRIGGER actions_tally_au`, `DROP TRIGGER actions_tally_ad`, `DROP TRIGGER actions_tally_ai`,
	},
	downPostgres: []string{
		`DROP INDEX search_documents_words`,
		`ALTER TABLE search_documents DROP COLUMN words`,
		`CREATE INDEX search_documents_fts ON search_documents USING GIN (to_tsvector('simple', title || ' ' || body))`,
		`DROP TRIGGER audit_latest_track ON audit_events`, `DROP FUNCTION audit_latest_track()`,
		`DROP TRIGGER addressees_tally ON recommendation_addressees`, `DROP FUNCTION addressee_tally()`,
		`DROP TRIGGER recommendations_tally_bd ON recommendations`, `DROP TRIGGER recommendations_tally ON recommendations`, `DROP FUNCTION recommendation_tally()`,
		`DROP TRIGGER actions_tally ON actions`, `DROP FUNCTION action_tally()`,
	},
	down: []string{
		`DROP INDEX recommendations_list_status`, `DROP INDEX recommendations_list_deadline`, `DROP INDEX recommendations_list_number`,
		`DROP INDEX actions_list_changed`, `DROP INDEX actions_list_rag`, `DROP INDEX actions_list_status`, `DROP INDEX actions_list_owner`, `DROP INDEX actions_list_due`,
		`DROP TABLE change_days`, `DROP TABLE audit_latest`,
		`DROP TABLE addressee_tallies`, `DROP TABLE recommendation_tallies`, `DROP TABLE action_tallies`,
	},
}
