package store

// migration0024 keys the tallies of addressed recommendations
// (addressee_tallies, migration 0009) by each addressee's own status
// (migration 0013) instead of the recommendation's overall status, as the
// list of an organisation's recommendations filters them ("open for
// MOPAC") and as the overview's counts per organisation link to it: so
// that list's total, and those counts, add up a few tally rows instead of
// counting the organisation's recommendations. The deadline still counts
// only while the addressee's own status is outstanding.
//
// The triggers change with it: an addressee's row moves its tally when its
// status, recommendation or organisation changes; a recommendation moves
// its addressees' tallies when its source, deadline or deletion changes,
// and no longer when its overall status does. The tallies are filled again
// from the rows.
var migration0024 = migration{
	id: "0024_addressee_own_status_tallies",
	upSQLite: []string{
		`DROP TRIGGER recommendations_tally_ai`,
		`DROP TRIGGER recommendations_tally_bd`,
		`DROP TRIGGER recommendations_tally_au`,
		`DROP TRIGGER addressees_tally_ai`,
		`DROP TRIGGER addressees_tally_ad`,
		`DROP TRIGGER addressees_tally_au`,
		`DELETE FROM addressee_tallies`,
		`INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
			SELECT a.organisation_id, r.source_id, a.status,
				CASE WHEN a.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE '9999-12-31 00:00:00+00:00' END, COUNT(*)
			FROM recommendation_addressees a JOIN recommendations r ON r.id = a.recommendation_id WHERE r.deleted_at IS NULL GROUP BY 1, 2, 3, 4`,
		// A recommendation's own tally. A recommendation deleted outright
		// takes its addressees' tallies with it before its addressees go
		// (SQLite deletes them after the recommendation, when it is no
		// longer there to be looked up).
		`CREATE TRIGGER recommendations_tally_ai AFTER INSERT ON recommendations WHEN NEW.deleted_at IS NULL BEGIN
			INSERT INTO recommendation_tallies (source_id, status, deadline_date, n)
			VALUES (NEW.source_id, NEW.status,
				CASE WHEN NEW.status IN ('open', 'in_progress') AND NEW.deadline_date IS NOT NULL THEN NEW.deadline_date ELSE '9999-12-31 00:00:00+00:00' END, 1)
			ON CONFLICT (source_id, status, deadline_date) DO UPDATE SET n = n + 1;
			INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
			SELECT a.organisation_id, NEW.source_id, a.status,
				CASE WHEN a.status IN ('open', 'in_progress') AND NEW.deadline_date IS NOT NULL THEN NEW.deadline_date ELSE '9999-12-31 00:00:00+00:00' END, 1
			FROM recommendation_addressees a WHERE a.recommendation_id = NEW.id
			ON CONFLICT (organisation_id, source_id, status, deadline_date) DO UPDATE SET n = n + 1;
		END`,
		`CREATE TRIGGER recommendations_tally_bd BEFORE DELETE ON recommendations WHEN OLD.deleted_at IS NULL BEGIN
			UPDATE recommendation_tallies SET n = n - 1
			WHERE source_id = OLD.source_id AND status = OLD.status
				AND deadline_date = CASE WHEN OLD.status IN ('open', 'in_progress') AND OLD.deadline_date IS NOT NULL THEN OLD.deadline_date ELSE '9999-12-31 00:00:00+00:00' END;
			UPDATE addressee_tallies SET n = n - 1
			WHERE source_id = OLD.source_id AND (organisation_id, status, deadline_date) IN (
				SELECT a.organisation_id, a.status,
					CASE WHEN a.status IN ('open', 'in_progress') AND OLD.deadline_date IS NOT NULL THEN OLD.deadline_date ELSE '9999-12-31 00:00:00+00:00' END
				FROM recommendation_addressees a WHERE a.recommendation_id = OLD.id);
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
		END`,
		// Its addressees' tallies, when what they count of it changes.
		`CREATE TRIGGER recommendations_addressee_tally_au AFTER UPDATE OF source_id, deadline_date, deleted_at ON recommendations
		WHEN OLD.source_id IS NOT NEW.source_id OR OLD.deadline_date IS NOT NEW.deadline_date OR OLD.deleted_at IS NOT NEW.deleted_at BEGIN
			UPDATE addressee_tallies SET n = n - 1
			WHERE OLD.deleted_at IS NULL AND source_id = OLD.source_id AND (organisation_id, status, deadline_date) IN (
				SELECT a.organisation_id, a.status,
					CASE WHEN a.status IN ('open', 'in_progress') AND OLD.deadline_date IS NOT NULL THEN OLD.deadline_date ELSE '9999-12-31 00:00:00+00:00' END
				FROM recommendation_addressees a WHERE a.recommendation_id = OLD.id);
			INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
			SELECT a.organisation_id, NEW.source_id, a.status,
				CASE WHEN a.status IN ('open', 'in_progress') AND NEW.deadline_date IS NOT NULL THEN NEW.deadline_date ELSE '9999-12-31 00:00:00+00:00' END, 1
			FROM recommendation_addressees a WHERE a.recommendation_id = NEW.id AND NEW.deleted_at IS NULL
			ON CONFLICT (organisation_id, source_id, status, deadline_date) DO UPDATE SET n = n + 1;
		END`,
		`CREATE TRIGGER addressees_tally_ai AFTER INSERT ON recommendation_addressees BEGIN
			INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
			SELECT NEW.organisation_id, r.source_id, NEW.status,
				CASE WHEN NEW.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE '9999-12-31 00:00:00+00:00' END, 1
			FROM recommendations r WHERE r.id = NEW.recommendation_id AND r.deleted_at IS NULL
			ON CONFLICT (organisation_id, source_id, status, deadline_date) DO UPDATE SET n = n + 1;
		END`,
		`CREATE TRIGGER addressees_tally_ad AFTER DELETE ON recommendation_addressees BEGIN
			UPDATE addressee_tallies SET n = n - 1
			WHERE organisation_id = OLD.organisation_id AND status = OLD.status AND (source_id, deadline_date) IN (
				SELECT r.source_id,
					CASE WHEN OLD.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE '9999-12-31 00:00:00+00:00' END
				FROM recommendations r WHERE r.id = OLD.recommendation_id AND r.deleted_at IS NULL);
		END`,
		`CREATE TRIGGER addressees_tally_au AFTER UPDATE OF recommendation_id, organisation_id, status ON recommendation_addressees
		WHEN OLD.recommendation_id <> NEW.recommendation_id OR OLD.organisation_id <> NEW.organisation_id OR OLD.status IS NOT NEW.status BEGIN
			UPDATE addressee_tallies SET n = n - 1
			WHERE organisation_id = OLD.organisation_id AND status = OLD.status AND (source_id, deadline_date) IN (
				SELECT r.source_id,
					CASE WHEN OLD.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE '9999-12-31 00:00:00+00:00' END
				FROM recommendations r WHERE r.id = OLD.recommendation_id AND r.deleted_at IS NULL);
			INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
			SELECT NEW.organisation_id, r.source_id, NEW.status,
				CASE WHEN NEW.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE '9999-12-31 00:00:00+00:00' END, 1
			FROM recommendations r WHERE r.id = NEW.recommendation_id AND r.deleted_at IS NULL
			ON CONFLICT (organisation_id, source_id, status, deadline_date) DO UPDATE SET n = n + 1;
		END`,
	},
	upPostgres: []string{
		`DELETE FROM addressee_tallies`,
		`INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
			SELECT a.organisation_id, r.source_id, a.status,
				CASE WHEN a.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE DATE '9999-12-31' END, COUNT(*)
			FROM recommendation_addressees a JOIN recommendations r ON r.id = a.recommendation_id WHERE r.deleted_at IS NULL GROUP BY 1, 2, 3, 4`,
		// A recommendation deleted outright takes its addressees' tallies
		// with it before the cascade deletes its addressees. An addressee's
		// organisation is one of a kind within its recommendation, so each
		// tally row below is met by one addressee at most.
		`CREATE OR REPLACE FUNCTION recommendation_tally() RETURNS trigger LANGUAGE plpgsql AS $$
		DECLARE
			moved BOOLEAN := TG_OP <> 'UPDATE'
				OR (OLD.source_id, OLD.deadline_date, OLD.deleted_at) IS DISTINCT FROM (NEW.source_id, NEW.deadline_date, NEW.deleted_at);
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
				IF moved THEN
					UPDATE addressee_tallies t SET n = t.n - 1
					FROM recommendation_addressees a
					WHERE a.recommendation_id = OLD.id AND t.organisation_id = a.organisation_id AND t.source_id = OLD.source_id AND t.status = a.status
						AND t.deadline_date = CASE WHEN a.status IN ('open', 'in_progress') AND OLD.deadline_date IS NOT NULL THEN OLD.deadline_date ELSE DATE '9999-12-31' END;
				END IF;
			END IF;
			IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.deleted_at IS NULL THEN
				INSERT INTO recommendation_tallies (source_id, status, deadline_date, n)
				VALUES (NEW.source_id, NEW.status,
					CASE WHEN NEW.status IN ('open', 'in_progress') AND NEW.deadline_date IS NOT NULL THEN NEW.deadline_date ELSE DATE '9999-12-31' END, 1)
				ON CONFLICT (source_id, status, deadline_date) DO UPDATE SET n = recommendation_tallies.n + 1;
				IF moved THEN
					INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
					SELECT a.organisation_id, NEW.source_id, a.status,
						CASE WHEN a.status IN ('open', 'in_progress') AND NEW.deadline_date IS NOT NULL THEN NEW.deadline_date ELSE DATE '9999-12-31' END, 1
					FROM recommendation_addressees a WHERE a.recommendation_id = NEW.id
					ON CONFLICT (organisation_id, source_id, status, deadline_date) DO UPDATE SET n = addressee_tallies.n + 1;
				END IF;
			END IF;
			IF TG_OP = 'DELETE' THEN
				RETURN OLD;
			END IF;
			RETURN NULL;
		END $$`,
		`CREATE OR REPLACE FUNCTION addressee_tally() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF current_setting('tracker.defer_derived', true) = 'on' THEN
				RETURN NULL;
			END IF;
			IF TG_OP = 'UPDATE' AND (OLD.recommendation_id, OLD.organisation_id, OLD.status) IS NOT DISTINCT FROM (NEW.recommendation_id, NEW.organisation_id, NEW.status) THEN
				RETURN NULL;
			END IF;
			IF TG_OP IN ('UPDATE', 'DELETE') THEN
				UPDATE addressee_tallies t SET n = t.n - 1
				FROM recommendations r
				WHERE r.id = OLD.recommendation_id AND r.deleted_at IS NULL
					AND t.organisation_id = OLD.organisation_id AND t.source_id = r.source_id AND t.status = OLD.status
					AND t.deadline_date = CASE WHEN OLD.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE DATE '9999-12-31' END;
			END IF;
			IF TG_OP IN ('UPDATE', 'INSERT') THEN
				INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
				SELECT NEW.organisation_id, r.source_id, NEW.status,
					CASE WHEN NEW.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE DATE '9999-12-31' END, 1
				FROM recommendations r WHERE r.id = NEW.recommendation_id AND r.deleted_at IS NULL
				ON CONFLICT (organisation_id, source_id, status, deadline_date) DO UPDATE SET n = addressee_tallies.n + 1;
			END IF;
			RETURN NULL;
		END $$`,
		`DROP TRIGGER addressees_tally ON recommendation_addressees`,
		`CREATE TRIGGER addressees_tally AFTER INSERT OR DELETE OR UPDATE OF recommendation_id, organisation_id, status
			ON recommendation_addressees FOR EACH ROW EXECUTE FUNCTION addressee_tally()`,
	},
	// Down: the triggers of migration 0009 again, and the tallies by the
	// recommendation's overall status.
	downSQLite: []string{
		`DROP TRIGGER addressees_tally_au`,
		`DROP TRIGGER addressees_tally_ad`,
		`DROP TRIGGER addressees_tally_ai`,
		`DROP TRIGGER recommendations_addressee_tally_au`,
		`DROP TRIGGER recommendations_tally_au`,
		`DROP TRIGGER recommendations_tally_bd`,
		`DROP TRIGGER recommendations_tally_ai`,
		`DELETE FROM addressee_tallies`,
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
	},
	downPostgres: []string{
		`DROP TRIGGER addressees_tally ON recommendation_addressees`,
		`CREATE TRIGGER addressees_tally AFTER INSERT OR DELETE OR UPDATE OF recommendation_id, organisation_id
			ON recommendation_addressees FOR EACH ROW EXECUTE FUNCTION addressee_tally()`,
		`CREATE OR REPLACE FUNCTION addressee_tally() RETURNS trigger LANGUAGE plpgsql AS $$
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
		`CREATE OR REPLACE FUNCTION recommendation_tally() RETURNS trigger LANGUAGE plpgsql AS $$
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
		`DELETE FROM addressee_tallies`,
		`INSERT INTO addressee_tallies (organisation_id, source_id, status, deadline_date, n)
			SELECT a.organisation_id, r.source_id, r.status,
				CASE WHEN r.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE DATE '9999-12-31' END, COUNT(*)
			FROM recommendation_addressees a JOIN recommendations r ON r.id = a.recommendation_id WHERE r.deleted_at IS NULL GROUP BY 1, 2, 3, 4`,
	},
}
