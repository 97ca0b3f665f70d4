package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestAuditTrailRebuildsEveryState changes one action many times through
// different people and channels, remembers how it stood after each step,
// and checks that Rebuild returns each of those states exactly.
func TestAuditTrailRebuildsEveryState(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		chair := int64(0)
		ctx := context.Background()
		org, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "City of London Police", ShortName: "CoLP"})
		u, err := s.CreateUser(ctx, tracker.User{Email: "chair@colp.example", Name: "D/Supt Crime", Role: tracker.RoleEditor, Organisations: []int64{org.ID}}, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		chair = u.ID
		page := tracker.WithActor(ctx, tracker.Actor{UserID: &chair, Name: "D/Supt Crime", Channel: tracker.ChannelPage})
		api := tracker.WithActor(ctx, tracker.Actor{UserID: &chair, Name: "D/Supt Crime", Channel: tracker.ChannelAPI})

		a, err := s.CreateAction(page, tracker.Action{OrganisationID: org.ID, Description: "Review call handling – “Victims’ Code”", Owner: "D/Supt Crime", Status: tracker.ActNotStarted, DueDate: ptr(storetest.Day(60))})
		if err != nil {
			t.Fatal(err)
		}
		type state struct {
			at      time.Time
			status  string
			rag     string
			version float64
			deleted bool
		}
		var states []state
		remember := func(deleted bool) {
			cur, err := s.Action(ctx, a.ID)
			if err != nil && !deleted {
				t.Fatal(err)
			}
			last := states[len(states)-1]
			if !deleted {
				last = state{status: cur.Action.Status, rag: cur.Action.RAG, version: float64(cur.Action.Version)}
			}
			last.deleted = deleted
			last.at = s.Now() // the store's clock moves on with every read
			states = append(states, last)
		}
		states = append(states, state{})
		remember(false)

		steps := []struct {
			ctx    context.Context
			status string
			rag    string
		}{
			{page, tracker.ActInProgress, tracker.RAGGreen},
			{api, "", tracker.RAGAmber},
			{page, "", tracker.RAGRed},
			{page, tracker.ActInProgress, tracker.RAGAmber},
			{api, tracker.ActCompleted, tracker.RAGGreen},
			{page, tracker.ActInProgress, tracker.RAGAmber},
		}
		version := 1
		for i, st := range steps {
			rag := st.rag
			if err := s.PostUpdate(st.ctx, a.ID, store.ProgressChange{Version: version, Date: storetest.Day(-10 + i), Text: "Step £" + string(rune('1'+i)), Status: st.status, RAG: &rag}); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			version++
			remember(false)
		}
		// A stale version is refused and changes nothing.
		stale := tracker.RAGRed
		err = s.PostUpdate(page, a.ID, store.ProgressChange{Version: 1, Date: storetest.Today(), Text: "stale", RAG: &stale})
		var conflict *store.ConflictError
		if !errors.As(err, &conflict) || !errors.Is(err, tracker.ErrConflict) || conflict.Current.Action.RAG != tracker.RAGAmber {
			t.Fatalf("stale update: %v", err)
		}
		if err := s.DeleteAction(page, a.ID, version); err != nil {
			t.Fatal(err)
		}
		remember(true)
		if err := s.RestoreAction(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		remember(false)

		events, err := s.History(ctx, store.EntityAction, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1+len(steps)+2 {
			t.Fatalf("%d events, want %d", len(events), 1+len(steps)+2)
		}
		if events[0].Op != tracker.OpCreate || events[0].Actor != "D/Supt Crime" || events[0].Channel != tracker.ChannelPage || *events[0].ActorID != chair {
			t.Errorf("create event = %+v", events[0])
		}
		if events[2].Channel != tracker.ChannelAPI || len(events[2].Changes) != 2 { // rag and version
			t.Errorf("second update = %+v", events[2])
		}
		for _, c := range events[2].Changes {
			if c.Field == "rag" && (c.Old != tracker.RAGGreen || c.New != tracker.RAGAmber) {
				t.Errorf("rag change = %+v, want green → amber", c)
			}
		}
		// The updates are dated before the action was made: by the dates
		// they took effect, they count from its creation; as recorded, each
		// state stands between two writes.
		events = tracker.AsRecorded(events)
		if snap := tracker.Rebuild(events, states[1].at.Add(-time.Hour)); snap.Exists {
			t.Errorf("before creation the action existed: %+v", snap)
		}
		for i, want := range states[1:] {
			snap := tracker.Rebuild(events, want.at)
			if !snap.Exists || snap.Deleted != want.deleted {
				t.Errorf("state %d: exists %v deleted %v, want deleted %v", i, snap.Exists, snap.Deleted, want.deleted)
				continue
			}
			if snap.Fields["status"] != want.status || snap.Fields["rag"] != want.rag || snap.Fields["version"] != want.version {
				t.Errorf("state %d: rebuilt %v/%v/v%v, want %s/%s/v%v", i, snap.Fields["status"], snap.Fields["rag"], snap.Fields["version"], want.status, want.rag, want.version)
			}
			if snap.Fields["description"] != "Review call handling – “Victims’ Code”" || snap.Fields["due_date"] != storetest.ISO(60) {
				t.Errorf("state %d: fields %v", i, snap.Fields)
			}
		}
		// The updates themselves are in the trail too.
		all, err := s.ActionHistory(ctx, a.ID)
		if err != nil || len(all) != len(events)+len(steps) {
			t.Errorf("action history: %d events, %v", len(all), err)
		}
	})
}

func TestAccountsSessionsTokens(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, tracker.User{Email: " Secretary@Example.ORG ", Role: tracker.RoleViewer}, "long enough password")
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "secretary@example.org" {
			t.Errorf("email = %q", u.Email)
		}
		if _, err := s.CreateUser(ctx, tracker.User{Email: "secretary@example.org", Role: tracker.RoleViewer}, "long enough password"); err == nil {
			t.Error("duplicate account accepted")
		}
		if _, err := s.CreateUser(ctx, tracker.User{Email: "x@example.org", Role: tracker.RoleViewer}, "short"); err == nil {
			t.Error("short password accepted")
		}
		if _, err := s.CreateUser(ctx, tracker.User{Email: "e@example.org", Role: tracker.RoleEditor}, "long enough password"); err == nil {
			t.Error("editor without organisations accepted")
		}
		for _, tc := range []struct{ email, pw string }{{"secretary@example.org", "wrong password!"}, {"nobody@example.org", "long enough password"}} {
			if _, err := s.Authenticate(ctx, tc.email, tc.pw); !errors.Is(err, tracker.ErrBadCredentials) {
				t.Errorf("Authenticate(%s) = %v", tc.email, err)
			}
		}
		got, err := s.Authenticate(ctx, "SECRETARY@example.org", "long enough password")
		if err != nil || got.ID != u.ID {
			t.Fatalf("Authenticate = %v, %v", got, err)
		}
		sess, err := s.CreateSession(ctx, got, "test", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		back, err := s.SessionByToken(ctx, sess.Token)
		if err != nil || back.User.ID != u.ID || back.CSRF != sess.CSRF {
			t.Fatalf("SessionByToken = %+v, %v", back, err)
		}
		other, _ := s.CreateSession(ctx, got, "other", "127.0.0.2")
		if err := s.ChangePassword(ctx, u.ID, "long enough password", "an even longer password", sess.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByToken(ctx, other.Token); !errors.Is(err, tracker.ErrNotFound) {
			t.Errorf("other session survived a password change: %v", err)
		}
		if _, err := s.SessionByToken(ctx, sess.Token); err != nil {
			t.Errorf("the changing session ended: %v", err)
		}
		if err := s.RevokeSession(ctx, sess.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByToken(ctx, sess.Token); !errors.Is(err, tracker.ErrNotFound) {
			t.Errorf("revoked session still works: %v", err)
		}

		plain, tok, err := s.CreateToken(ctx, u.ID, "reporting script")
		if err != nil {
			t.Fatal(err)
		}
		if tu, err := s.TokenUser(ctx, plain); err != nil || tu.ID != u.ID {
			t.Fatalf("TokenUser = %v, %v", tu, err)
		}
		if err := s.RevokeToken(ctx, u.ID+1, tok.ID); !errors.Is(err, tracker.ErrNotFound) {
			t.Errorf("someone else revoked the token: %v", err)
		}
		if err := s.RevokeToken(ctx, u.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenUser(ctx, plain); !errors.Is(err, tracker.ErrNotFound) {
			t.Errorf("revoked token still works: %v", err)
		}
		toks, _ := s.Tokens(ctx, u.ID)
		if len(toks) != 1 || !toks[0].Revoked || toks[0].LastUsed == "" {
			t.Errorf("tokens = %+v", toks)
		}
		ev, _ := s.History(ctx, store.EntityUser, u.ID)
		for _, e := range ev {
			for _, c := range e.Changes {
				if c.Field == "password_hash" {
					t.Errorf("password hash in the audit trail: %+v", e)
				}
			}
		}
	})
}

func ptr(t time.Time) *time.Time { return &t }
