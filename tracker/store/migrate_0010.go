package store

// migration0010 makes "changed since" follow the dates changes took effect,
// as "as at" and the reports' change marks already do: each item's latest
// change (audit_latest) and the number of items whose latest change fell on
// each day (change_days) are kept from audit_events.effective_at instead of
// the moment the change was typed in. An old log imported today no longer
// reads as all changed today; a progress update dated last week counts from
// last week. The column says which time it holds: last_at becomes
// last_effective_at, and last_day is that time's day.
var migration0010 = migration{
	id: "0010_changed_by_effect",
	upSQLite: []string{
		`DROP TRIGGER audit_latest_ai`,
		`DROP INDEX audit_latest_at`,
		`ALTER TABLE audit_latest RENAME COLUMN last_at TO last_effective_at`,
		`DELETE FROM audit_latest`,
		`DELETE FROM change_days`,
		`INSERT INTO audit_latest (entity, entity_id, last_id, last_effective_at, last_day)
			SELECT entity, entity_id, MAX(id), MAX(COALESCE(effective_at, at)),
				CAST(julianday(MAX(COALESCE(effective_at, at))) - 2440587.5 AS INTEGER)
			FROM audit_events GROUP BY entity, entity_id`,
		`INSERT INTO change_days (entity, day, n) SELECT entity, last_day, COUNT(*) FROM audit_latest GROUP BY entity, last_day`,
		`CREATE INDEX audit_latest_effective ON audit_latest (entity, last_effective_at)`,
		`CREATE TRIGGER audit_latest_ai AFTER INSERT ON audit_events BEGIN
			UPDATE change_days SET n = n - 1
			WHERE entity = NEW.entity AND day = (SELECT last_day FROM audit_latest
				WHERE entity = NEW.entity AND entity_id = NEW.entity_id
					AND last_day < CAST(julianday(COALESCE(NEW.effective_at, NEW.at)) - 2440587.5 AS INTEGER));
			INSERT INTO change_days (entity, day, n)
			SELECT NEW.entity, CAST(julianday(COALESCE(NEW.effective_at, NEW.at)) - 2440587.5 AS INTEGER), 1
			WHERE NOT EXISTS (SELECT 1 FROM audit_latest
				WHERE entity = NEW.entity AND entity_id = NEW.entity_id
					AND last_day >= CAST(julianday(COALESCE(NEW.effective_at, NEW.at)) - 2440587.5 AS INTEGER))
			ON CONFLICT (entity, day) DO UPDATE SET n = n + 1;
			INSERT INTO audit_latest (entity, entity_id, last_id, last_effective_at, last_day)
			VALUES (NEW.entity, NEW.entity_id, NEW.id, COALESCE(NEW.effective_at, NEW.at),
				CAST(julianday(COALESCE(NEW.effective_at, NEW.at)) - 2440587.5 AS INTEGER))
			ON CONFLICT (entity, entity_id) DO UPDATE SET
				last_id = MAX(last_id, excluded.last_id),
				last_effective_at = MAX(last_effective_at, excluded.last_effective_at),
				last_day = MAX(last_day, excluded.last_day);
		END`,
	},
	downSQLite: []string{
		`DROP TRIGGER audit_latest_ai`,
		`DROP INDEX audit_latest_effective`,
		`ALTER TABLE audit_latest RENAME COLUMN last_effective_at TO last_at`,
		`DELETE FROM audit_latest`,
		`DELETE FROM change_days`,
		`INSERT INTO audit_latest (entity, entity_id, last_id, last_at, last_day)
			SELECT entity, entity_id, MAX(id), MAX(at), CAST(julianday(MAX(at)) - 2440587.5 AS INTEGER) FROM audit_events GROUP BY entity, entity_id`,
		`INSERT INTO change_days (entity, day, n) SELECT entity, last_day, COUNT(*) FROM audit_latest GROUP BY entity, last_day`,
		`CREATE INDEX audit_latest_at ON audit_latest (entity, last_at)`,
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
	},
	upPostgres: []string{
		`DROP TRIGGER audit_latest_track ON audit_events`,
		`DROP FUNCTION audit_latest_track()`,
		`DROP INDEX audit_latest_at`,
		`ALTER TABLE audit_latest RENAME COLUMN last_at TO last_effective_at`,
		`DELETE FROM audit_latest`,
		`DELETE FROM change_days`,
		`INSERT INTO audit_latest (entity, entity_id, last_id, last_effective_at, last_day)
			SELECT entity, entity_id, MAX(id), MAX(COALESCE(effective_at, at)),
				FLOOR(EXTRACT(EPOCH FROM MAX(COALESCE(effective_at, at))) / 86400)::BIGINT
			FROM audit_events GROUP BY entity, entity_id`,
		`INSERT INTO change_days (entity, day, n) SELECT entity, last_day, COUNT(*) FROM audit_latest GROUP BY entity, last_day`,
		`CREATE INDEX audit_latest_effective ON audit_latest (entity, last_effective_at)`,
		`CREATE FUNCTION audit_latest_track() RETURNS trigger LANGUAGE plpgsql AS $$
		DECLARE
			effective TIMESTAMP WITH TIME ZONE := COALESCE(NEW.effective_at, NEW.at);
			today BIGINT := FLOOR(EXTRACT(EPOCH FROM COALESCE(NEW.effective_at, NEW.at)) / 86400)::BIGINT;
			was BIGINT;
		BEGIN
			IF current_setting('tracker.defer_derived', true) = 'on' THEN
				RETURN NULL;
			END IF;
			SELECT last_day INTO was FROM audit_latest WHERE entity = NEW.entity AND entity_id = NEW.entity_id FOR UPDATE;
			IF NOT FOUND THEN
				INSERT INTO change_days (entity, day, n) VALUES (NEW.entity, today, 1)
				ON CONFLICT (entity, day) DO UPDATE SET n = change_days.n + 1;
				INSERT INTO audit_latest (entity, entity_id, last_id, last_effective_at, last_day) VALUES (NEW.entity, NEW.entity_id, NEW.id, effective, today);
				RETURN NULL;
			END IF;
			IF was < today THEN
				UPDATE change_days SET n = n - 1 WHERE entity = NEW.entity AND day = was;
				INSERT INTO change_days (entity, day, n) VALUES (NEW.entity, today, 1)
				ON CONFLICT (entity, day) DO UPDATE SET n = change_days.n + 1;
			END IF;
			UPDATE audit_latest SET last_id = GREATEST(last_id, NEW.id), last_effective_at = GREATEST(last_effective_at, effective), last_day = GREATEST(last_day, today)
			WHERE entity = NEW.entity AND entity_id = NEW.entity_id;
			RETURN NULL;
		END $$`,
		`CREATE TRIGGER audit_latest_track AFTER INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_latest_track()`,
	},
	downPostgres: []string{
		`DROP TRIGGER audit_latest_track ON audit_events`,
		`DROP FUNCTION audit_latest_track()`,
		`DROP INDEX audit_latest_effective`,
		`ALTER TABLE audit_latest RENAME COLUMN last_effective_at TO last_at`,
		`DELETE FROM audit_latest`,
		`DELETE FROM change_days`,
		`INSERT INTO audit_latest (entity, entity_id, last_id, last_at, last_day)
			SELECT entity, entity_id, MAX(id), MAX(at), FLOOR(EXTRACT(EPOCH FROM MAX(at)) / 86400)::BIGINT FROM audit_events GROUP BY entity, entity_id`,
		`INSERT INTO change_days (entity, day, n) SELECT entity, last_day, COUNT(*) FROM audit_latest GROUP BY entity, last_day`,
		`CREATE INDEX audit_latest_at ON audit_latest (entity, last_at)`,
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
	},
}
