package storetest

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

func testLicenses(t *testing.T, mk func(*testing.T) *env) {
	t.Run("PutAndGet", func(t *testing.T) {
		e := mk(t)
		want := chat.License{ID: 7, Name: "Shop", CreatedAt: e.now()}
		e.must(e.s.PutLicense(e.ctx, want), "PutLicense")
		got, err := e.s.License(e.ctx, 7)
		e.must(err, "License")
		if got.ID != want.ID || got.Name != want.Name {
			t.Errorf("License: got %+v, want %+v", got, want)
		}
		checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	})
	t.Run("Replace", func(t *testing.T) {
		e := mk(t)
		e.must(e.s.PutLicense(e.ctx, chat.License{ID: 7, Name: "Shop", CreatedAt: e.now()}), "PutLicense")
		want := chat.License{ID: 7, Name: "Renamed", CreatedAt: e.now()}
		e.must(e.s.PutLicense(e.ctx, want), "PutLicense again")
		got, err := e.s.License(e.ctx, 7)
		e.must(err, "License")
		if got.Name != want.Name {
			t.Errorf("Name: got %q, want %q", got.Name, want.Name)
		}
		checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	})
	t.Run("NotFound", func(t *testing.T) {
		e := mk(t)
		_, err := e.s.License(e.ctx, 404)
		wantErr(t, err, chat.ErrNotFound, "License(404)")
	})
	t.Run("List", func(t *testing.T) {
		e := mk(t)
		none, err := e.s.Licenses(e.ctx)
		e.must(err, "Licenses of an empty store")
		if len(none) != 0 {
			t.Errorf("Licenses of an empty store: got %+v, want none", none)
		}
		for _, id := range []int{9, 2, 5} {
			e.must(e.s.PutLicense(e.ctx, chat.License{ID: id, Name: "L" + strconv.Itoa(id), CreatedAt: e.now()}), "PutLicense")
		}
		ls, err := e.s.Licenses(e.ctx)
		e.must(err, "Licenses")
		var ids []int
		for _, l := range ls {
			ids = append(ids, l.ID)
			if l.Name != "L"+strconv.Itoa(l.ID) || l.CreatedAt.IsZero() {
				t.Errorf("Licenses: got %+v", l)
			}
		}
		if !slices.Equal(ids, []int{2, 5, 9}) {
			t.Errorf("Licenses: got ids %v, want [2 5 9]", ids)
		}
	})
	t.Run("HasGroupZero", func(t *testing.T) {
		e := mk(t)
		e.must(e.s.PutLicense(e.ctx, chat.License{ID: 7, Name: "Shop", CreatedAt: e.now()}), "PutLicense")
		gs, err := e.s.Groups(e.ctx, 7)
		e.must(err, "Groups")
		if len(gs) != 1 || gs[0].ID != 0 || gs[0].LicenseID != 7 {
			t.Fatalf("Groups after PutLicense: got %+v, want group 0 of license 7", gs)
		}
		// A renamed group 0 keeps its name when the license is put again.
		e.must(e.s.PutGroup(e.ctx, chat.Group{LicenseID: 7, ID: 0, Name: "Support"}), "PutGroup 0")
		e.must(e.s.PutLicense(e.ctx, chat.License{ID: 7, Name: "Shop 2", CreatedAt: e.now()}), "PutLicense again")
		gs, err = e.s.Groups(e.ctx, 7)
		e.must(err, "Groups")
		if len(gs) != 1 || gs[0].Name != "Support" {
			t.Errorf("Groups after renaming group 0 and putting the license again: got %+v", gs)
		}
	})
}

func testOrganizations(t *testing.T, mk func(*testing.T) *env) {
	const org = "5b2f7c4e-9d3a-4f61-8e0b-2a6c1d9e7f30"
	t.Run("Given", func(t *testing.T) {
		e := mk(t)
		created := e.now()
		e.must(e.s.PutLicense(e.ctx, chat.License{ID: 7, Name: "Shop", OrganizationID: org, CreatedAt: created}), "PutLicense")
		l, err := e.s.License(e.ctx, 7)
		e.must(err, "License")
		if l.OrganizationID != org {
			t.Errorf("License: OrganizationID %q, want %q", l.OrganizationID, org)
		}
		l, err = e.s.LicenseByOrganization(e.ctx, org)
		e.must(err, "LicenseByOrganization")
		if l.ID != 7 || l.Name != "Shop" || l.OrganizationID != org {
			t.Errorf("LicenseByOrganization: got %+v", l)
		}
		checkTime(t, "CreatedAt", l.CreatedAt, created)
		ls, err := e.s.Licenses(e.ctx)
		e.must(err, "Licenses")
		if len(ls) != 1 || ls[0].OrganizationID != org {
			t.Errorf("Licenses: got %+v", ls)
		}
	})
	t.Run("NewGetsRandom", func(t *testing.T) {
		e := mk(t)
		seen := map[string]bool{}
		for id := 1; id <= 3; id++ {
			e.must(e.s.PutLicense(e.ctx, chat.License{ID: id, Name: "L"}), "PutLicense")
			l, err := e.s.License(e.ctx, id)
			e.must(err, "License")
			canon, err := chat.ParseOrganizationID(l.OrganizationID)
			if err != nil || canon != l.OrganizationID || l.OrganizationID[14] != '4' {
				t.Errorf("license %d: OrganizationID %q is not a canonical version 4 UUID", id, l.OrganizationID)
			}
			if seen[l.OrganizationID] {
				t.Errorf("license %d: OrganizationID %q repeated", id, l.OrganizationID)
			}
			seen[l.OrganizationID] = true
			byOrg, err := e.s.LicenseByOrganization(e.ctx, l.OrganizationID)
			e.must(err, "LicenseByOrganization")
			if byOrg.ID != id {
				t.Errorf("LicenseByOrganization(%q): license %d, want %d", l.OrganizationID, byOrg.ID, id)
			}
		}
	})
	t.Run("ReplaceKeeps", func(t *testing.T) {
		e := mk(t)
		e.must(e.s.PutLicense(e.ctx, chat.License{ID: 7, Name: "Shop", OrganizationID: org}), "PutLicense")
		e.must(e.s.PutLicense(e.ctx, chat.License{ID: 7, Name: "Renamed"}), "PutLicense without organization id")
		l, err := e.s.License(e.ctx, 7)
		e.must(err, "License")
		if l.OrganizationID != org || l.Name != "Renamed" {
			t.Errorf("after replacing without an organization id: got %+v, want organization %q kept", l, org)
		}
	})
	t.Run("ReplaceChanges", func(t *testing.T) {
		e := mk(t)
		const other = "0e1d2c3b-4a59-4687-9a5b-c4d3e2f1a0b9"
		e.must(e.s.PutLicense(e.ctx, chat.License{ID: 7, Name: "Shop", OrganizationID: org}), "PutLicense")
		e.must(e.s.PutLicense(e.ctx, chat.License{ID: 7, Name: "Shop", OrganizationID: other}), "PutLicense with another id")
		if l, err := e.s.LicenseByOrganization(e.ctx, other); err != nil || l.ID != 7 {
			t.Errorf("LicenseByOrganization(new id): %+v, %v", l, err)
		}
		_, err := e.s.LicenseByOrganization(e.ctx, org)
		wantErr(t, err, chat.ErrNotFound, "LicenseByOrganization(old id)")
	})
	t.Run("Taken", func(t *testing.T) {
		e := mk(t)
		e.must(e.s.PutLicense(e.ctx, chat.License{ID: 7, Name: "Shop", OrganizationID: org}), "PutLicense")
		err := e.s.PutLicense(e.ctx, chat.License{ID: 8, Name: "Other", OrganizationID: org})
		wantErr(t, err, chat.ErrExists, "PutLicense with another license's organization id")
		if _, err := e.s.License(e.ctx, 8); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("License(8) after the refused put: %v, want ErrNotFound", err)
		}
	})
	t.Run("NotCanonical", func(t *testing.T) {
		e := mk(t)
		for _, bad := range []string{strings.ToUpper(org), "not-a-uuid", "{" + org + "}"} {
			err := e.s.PutLicense(e.ctx, chat.License{ID: 7, Name: "Shop", OrganizationID: bad})
			wantErr(t, err, chat.ErrInvalid, "PutLicense with organization id "+bad)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		e := mk(t)
		e.must(e.s.PutLicense(e.ctx, chat.License{ID: 7, Name: "Shop", OrganizationID: org}), "PutLicense")
		for _, id := range []string{"9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "", strings.ToUpper(org)} {
			_, err := e.s.LicenseByOrganization(e.ctx, id)
			wantErr(t, err, chat.ErrNotFound, "LicenseByOrganization("+id+")")
		}
	})
}

func testClients(t *testing.T, mk func(*testing.T) *env) {
	check := func(t *testing.T, got, want chat.Client) {
		t.Helper()
		if got.ID != want.ID || got.LicenseID != want.LicenseID || !slices.Equal(got.RedirectOrigins, want.RedirectOrigins) ||
			!slices.Equal(got.RedirectURIs, want.RedirectURIs) {
			t.Errorf("Client: got %+v, want %+v", got, want)
		}
	}
	t.Run("PutAndGet", func(t *testing.T) {
		e := mk(t)
		want := chat.Client{ID: "client-a", LicenseID: license, RedirectOrigins: []string{"https://shop.example", "https://b.example"},
			RedirectURIs: []string{"https://shop.example/chat/", "https://b.example/help"}}
		e.must(e.s.PutClient(e.ctx, want), "PutClient")
		got, err := e.s.Client(e.ctx, want.ID)
		e.must(err, "Client")
		check(t, got, want)
	})
	t.Run("NoOrigins", func(t *testing.T) {
		e := mk(t)
		e.must(e.s.PutClient(e.ctx, chat.Client{ID: "client-a", LicenseID: license}), "PutClient")
		got, err := e.s.Client(e.ctx, "client-a")
		e.must(err, "Client")
		if len(got.RedirectOrigins) != 0 || len(got.RedirectURIs) != 0 {
			t.Errorf("RedirectOrigins, RedirectURIs: got %v, %v, want none", got.RedirectOrigins, got.RedirectURIs)
		}
	})
	t.Run("Replace", func(t *testing.T) {
		e := mk(t)
		e.must(e.s.PutClient(e.ctx, chat.Client{ID: "client-a", LicenseID: license, RedirectOrigins: []string{"https://old.example"}}), "PutClient")
		want := chat.Client{ID: "client-a", LicenseID: 2, RedirectOrigins: []string{"https://new.example"}, RedirectURIs: []string{"https://new.example/"}}
		e.must(e.s.PutClient(e.ctx, want), "PutClient again")
		got, err := e.s.Client(e.ctx, "client-a")
		e.must(err, "Client")
		check(t, got, want)
	})
	t.Run("NotFound", func(t *testing.T) {
		e := mk(t)
		_, err := e.s.Client(e.ctx, "missing")
		wantErr(t, err, chat.ErrNotFound, "Client(missing)")
	})
	t.Run("ListByLicense", func(t *testing.T) {
		e := mk(t)
		b := chat.Client{ID: "b", LicenseID: license, RedirectOrigins: []string{"https://b.example"}, RedirectURIs: []string{"https://b.example/"}}
		a := chat.Client{ID: "a", LicenseID: license}
		for _, c := range []chat.Client{b, {ID: "0-other", LicenseID: license + 1}, a} {
			e.must(e.s.PutClient(e.ctx, c), "PutClient")
		}
		cs, err := e.s.Clients(e.ctx, license)
		e.must(err, "Clients")
		if len(cs) != 2 {
			t.Fatalf("Clients: got %+v, want a and b", cs)
		}
		check(t, cs[0], a)
		check(t, cs[1], b)
		none, err := e.s.Clients(e.ctx, 404)
		e.must(err, "Clients(404)")
		if len(none) != 0 {
			t.Errorf("Clients(404): got %+v, want none", none)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		e := mk(t)
		e.must(e.s.PutClient(e.ctx, chat.Client{ID: "a", LicenseID: license}), "PutClient a")
		e.must(e.s.PutClient(e.ctx, chat.Client{ID: "b", LicenseID: license}), "PutClient b")
		e.must(e.s.DeleteClient(e.ctx, "a"), "DeleteClient")
		_, err := e.s.Client(e.ctx, "a")
		wantErr(t, err, chat.ErrNotFound, "Client after DeleteClient")
		if _, err := e.s.Client(e.ctx, "b"); err != nil {
			t.Errorf("the other client: %v", err)
		}
		wantErr(t, e.s.DeleteClient(e.ctx, "a"), chat.ErrNotFound, "DeleteClient again")
	})
}

func testGroups(t *testing.T, mk func(*testing.T) *env) {
	t.Run("OrderedByID", func(t *testing.T) {
		e := mk(t)
		grp := func(lic, id int, name string) chat.Group { return chat.Group{LicenseID: lic, ID: id, Name: name} }
		for _, g := range []chat.Group{grp(license, 3, "Three"), grp(license, 0, "General"), grp(license, 1, "One"), grp(2, 2, "Other license")} {
			e.must(e.s.PutGroup(e.ctx, g), "PutGroup")
		}
		gs, err := e.s.Groups(e.ctx, license)
		e.must(err, "Groups")
		want := []chat.Group{grp(license, 0, "General"), grp(license, 1, "One"), grp(license, 3, "Three")}
		if !slices.Equal(gs, want) {
			t.Errorf("Groups: got %+v, want %+v", gs, want)
		}
	})
	t.Run("Replace", func(t *testing.T) {
		e := mk(t)
		e.must(e.s.PutGroup(e.ctx, chat.Group{LicenseID: license, ID: 1, Name: "Sales"}), "PutGroup")
		billing := chat.Group{LicenseID: license, ID: 1, Name: "Billing", Greeting: "Grüß Gott 👋 — ask about invoices"}
		e.must(e.s.PutGroup(e.ctx, billing), "PutGroup again")
		gs, err := e.s.Groups(e.ctx, license)
		e.must(err, "Groups")
		if len(gs) != 1 || gs[0] != billing {
			t.Errorf("Groups: got %+v, want only the replaced group", gs)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		e := mk(t)
		for _, g := range []chat.Group{{LicenseID: license, ID: 1, Name: "Sales"}, {LicenseID: license, ID: 2, Name: "Billing"}, {LicenseID: 2, ID: 1, Name: "Other"}} {
			e.must(e.s.PutGroup(e.ctx, g), "PutGroup")
		}
		e.must(e.s.DeleteGroup(e.ctx, license, 1), "DeleteGroup")
		gs, err := e.s.Groups(e.ctx, license)
		e.must(err, "Groups")
		if len(gs) != 1 || gs[0].ID != 2 {
			t.Errorf("Groups after DeleteGroup: got %+v, want group 2 only", gs)
		}
		gs, err = e.s.Groups(e.ctx, 2)
		e.must(err, "Groups of the other license")
		if len(gs) != 1 || gs[0].ID != 1 {
			t.Errorf("Groups of the other license: got %+v, want its group 1", gs)
		}
		wantErr(t, e.s.DeleteGroup(e.ctx, license, 1), chat.ErrNotFound, "DeleteGroup again")
	})
	t.Run("UnknownLicense", func(t *testing.T) {
		e := mk(t)
		gs, err := e.s.Groups(e.ctx, 404)
		e.must(err, "Groups(404)")
		if len(gs) != 0 {
			t.Errorf("Groups(404): got %+v, want none", gs)
		}
	})
}

func (e *env) fullCustomer() chat.Customer {
	return chat.Customer{
		ID: id("customer"), LicenseID: license, Name: "Ann", Email: "ann@example.com", Avatar: "https://cdn.example/ann.png",
		Fields:      map[string]string{"plan": "gold", "city": "Oslo"},
		Page:        &chat.Page{URL: "https://shop.example/cart", Title: "Cart", Timestamp: e.now()},
		Referrer:    "https://search.example",
		SideStorage: map[string]string{"k": "v"},
		GroupID:     2, Banned: false, BannedUntil: e.now(), CreatedAt: e.now(), LastVisit: e.now(), Visits: 3,
	}
}

func checkCustomer(t *testing.T, what string, got, want chat.Customer) {
	t.Helper()
	if got.ID != want.ID || got.LicenseID != want.LicenseID || got.Name != want.Name || got.Email != want.Email ||
		got.Avatar != want.Avatar || got.Referrer != want.Referrer || got.GroupID != want.GroupID ||
		got.Banned != want.Banned || got.Visits != want.Visits {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
	if !sameJSON(got.Fields, want.Fields) {
		t.Errorf("%s Fields: got %v, want %v", what, got.Fields, want.Fields)
	}
	if !sameJSON(got.SideStorage, want.SideStorage) {
		t.Errorf("%s SideStorage: got %v, want %v", what, got.SideStorage, want.SideStorage)
	}
	switch {
	case (got.Page == nil) != (want.Page == nil):
		t.Errorf("%s Page: got %+v, want %+v", what, got.Page, want.Page)
	case got.Page != nil:
		if got.Page.URL != want.Page.URL || got.Page.Title != want.Page.Title || !sameTime(got.Page.Timestamp, want.Page.Timestamp) {
			t.Errorf("%s Page: got %+v, want %+v", what, *got.Page, *want.Page)
		}
	}
	checkTime(t, what+" BannedUntil", got.BannedUntil, want.BannedUntil)
	checkTime(t, what+" CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, what+" LastVisit", got.LastVisit, want.LastVisit)
}

func testCustomers(t *testing.T, mk func(*testing.T) *env) {
	t.Run("CreateAndGet", func(t *testing.T) {
		e := mk(t)
		want := e.fullCustomer()
		e.must(e.s.CreateCustomer(e.ctx, want), "CreateCustomer")
		got, err := e.s.Customer(e.ctx, license, want.ID)
		e.must(err, "Customer")
		checkCustomer(t, "Customer", got, want)
	})
	t.Run("CreateMinimal", func(t *testing.T) {
		e := mk(t)
		want := chat.Customer{ID: id("customer"), LicenseID: license, CreatedAt: e.now()}
		e.must(e.s.CreateCustomer(e.ctx, want), "CreateCustomer")
		got, err := e.s.Customer(e.ctx, license, want.ID)
		e.must(err, "Customer")
		checkCustomer(t, "Customer", got, want)
	})
	t.Run("CreateExisting", func(t *testing.T) {
		e := mk(t)
		c := e.fullCustomer()
		e.must(e.s.CreateCustomer(e.ctx, c), "CreateCustomer")
		dup := c
		dup.Name = "Other"
		wantErr(t, e.s.CreateCustomer(e.ctx, dup), chat.ErrExists, "CreateCustomer again")
		got, err := e.s.Customer(e.ctx, license, c.ID)
		e.must(err, "Customer")
		checkCustomer(t, "Customer after failed create", got, c)
	})
	t.Run("NotFound", func(t *testing.T) {
		e := mk(t)
		_, err := e.s.Customer(e.ctx, license, "missing")
		wantErr(t, err, chat.ErrNotFound, "Customer(missing)")
		c := e.fullCustomer()
		e.must(e.s.CreateCustomer(e.ctx, c), "CreateCustomer")
		_, err = e.s.Customer(e.ctx, license+1, c.ID)
		wantErr(t, err, chat.ErrNotFound, "Customer of another license")
	})

	str := func(s string) *string { return &s }
	integer := func(i int) *int { return &i }
	boolean := func(b bool) *bool { return &b }
	updates := []struct {
		name   string
		update func(e *env) chat.CustomerUpdate
		apply  func(e *env, c *chat.Customer)
	}{
		{"Nothing", func(*env) chat.CustomerUpdate { return chat.CustomerUpdate{} }, func(*env, *chat.Customer) {}},
		{"Name", func(*env) chat.CustomerUpdate { return chat.CustomerUpdate{Name: str("Bea")} },
			func(_ *env, c *chat.Customer) { c.Name = "Bea" }},
		{"NameToEmpty", func(*env) chat.CustomerUpdate { return chat.CustomerUpdate{Name: str("")} },
			func(_ *env, c *chat.Customer) { c.Name = "" }},
		{"Email", func(*env) chat.CustomerUpdate { return chat.CustomerUpdate{Email: str("bea@example.com")} },
			func(_ *env, c *chat.Customer) { c.Email = "bea@example.com" }},
		{"Avatar", func(*env) chat.CustomerUpdate { return chat.CustomerUpdate{Avatar: str("https://cdn.example/b.png")} },
			func(_ *env, c *chat.Customer) { c.Avatar = "https://cdn.example/b.png" }},
		{"FieldsMerge", func(*env) chat.CustomerUpdate {
			return chat.CustomerUpdate{Fields: map[string]string{"plan": "silver", "age": "40"}}
		}, func(_ *env, c *chat.Customer) {
			c.Fields = map[string]string{"plan": "silver", "city": "Oslo", "age": "40"}
		}},
		{"Page", func(e *env) chat.CustomerUpdate {
			return chat.CustomerUpdate{Page: &chat.Page{URL: "https://shop.example/pay", Title: "Pay", Timestamp: base.Add(time.Hour)}}
		}, func(_ *env, c *chat.Customer) {
			c.Page = &chat.Page{URL: "https://shop.example/pay", Title: "Pay", Timestamp: base.Add(time.Hour)}
		}},
		{"Referrer", func(*env) chat.CustomerUpdate { return chat.CustomerUpdate{Referrer: str("https://ads.example")} },
			func(_ *env, c *chat.Customer) { c.Referrer = "https://ads.example" }},
		{"GroupID", func(*env) chat.CustomerUpdate { return chat.CustomerUpdate{GroupID: integer(5)} },
			func(_ *env, c *chat.Customer) { c.GroupID = 5 }},
		{"GroupIDZero", func(*env) chat.CustomerUpdate { return chat.CustomerUpdate{GroupID: integer(0)} },
			func(_ *env, c *chat.Customer) { c.GroupID = 0 }},
		{"Banned", func(*env) chat.CustomerUpdate { return chat.CustomerUpdate{Banned: boolean(true)} },
			func(_ *env, c *chat.Customer) { c.Banned = true }},
		{"BannedUntil", func(*env) chat.CustomerUpdate {
			at := base.Add(48 * time.Hour)
			return chat.CustomerUpdate{Banned: boolean(true), BannedUntil: &at}
		}, func(_ *env, c *chat.Customer) { c.Banned, c.BannedUntil = true, base.Add(48*time.Hour) }},
		{"BannedUntilCleared", func(*env) chat.CustomerUpdate { return chat.CustomerUpdate{BannedUntil: &time.Time{}} },
			func(_ *env, c *chat.Customer) { c.BannedUntil = time.Time{} }},
		{"Everything", func(*env) chat.CustomerUpdate {
			return chat.CustomerUpdate{Name: str("Cy"), Email: str("cy@example.com"), Avatar: str("a"),
				Fields: map[string]string{"x": "y"}, Page: &chat.Page{URL: "u", Title: "t"}, Referrer: str("r"),
				GroupID: integer(9), Banned: boolean(true)}
		}, func(_ *env, c *chat.Customer) {
			c.Name, c.Email, c.Avatar, c.Referrer, c.GroupID, c.Banned = "Cy", "cy@example.com", "a", "r", 9, true
			c.Fields["x"] = "y"
			c.Page = &chat.Page{URL: "u", Title: "t"}
		}},
	}
	t.Run("Update", func(t *testing.T) {
		for _, u := range updates {
			t.Run(u.name, func(t *testing.T) {
				e := mk(t)
				c := e.fullCustomer()
				e.must(e.s.CreateCustomer(e.ctx, c), "CreateCustomer")
				got, err := e.s.UpdateCustomer(e.ctx, license, c.ID, u.update(e))
				e.must(err, "UpdateCustomer")
				want := c
				want.Fields = map[string]string{}
				for k, v := range c.Fields {
					want.Fields[k] = v
				}
				u.apply(e, &want)
				checkCustomer(t, "UpdateCustomer result", got, want)
				read, err := e.s.Customer(e.ctx, license, c.ID)
				e.must(err, "Customer")
				checkCustomer(t, "Customer after update", read, want)
			})
		}
	})
	t.Run("UpdateFieldsOfCustomerWithout", func(t *testing.T) {
		e := mk(t)
		c := chat.Customer{ID: id("customer"), LicenseID: license, CreatedAt: e.now()}
		e.must(e.s.CreateCustomer(e.ctx, c), "CreateCustomer")
		got, err := e.s.UpdateCustomer(e.ctx, license, c.ID, chat.CustomerUpdate{Fields: map[string]string{"a": "b"}})
		e.must(err, "UpdateCustomer")
		if !sameJSON(got.Fields, map[string]string{"a": "b"}) {
			t.Errorf("Fields: got %v", got.Fields)
		}
	})
	t.Run("UnbanAgain", func(t *testing.T) {
		e := mk(t)
		c := e.fullCustomer()
		c.Banned = true
		e.must(e.s.CreateCustomer(e.ctx, c), "CreateCustomer")
		f := false
		got, err := e.s.UpdateCustomer(e.ctx, license, c.ID, chat.CustomerUpdate{Banned: &f})
		e.must(err, "UpdateCustomer")
		if got.Banned {
			t.Error("Banned: got true after unbanning")
		}
	})
	t.Run("Visit", func(t *testing.T) {
		e := mk(t)
		c := e.fullCustomer()
		e.must(e.s.CreateCustomer(e.ctx, c), "CreateCustomer")
		before := time.Now().Truncate(time.Millisecond)
		got, err := e.s.UpdateCustomer(e.ctx, license, c.ID, chat.CustomerUpdate{Visit: true})
		after := time.Now()
		e.must(err, "UpdateCustomer")
		if got.Visits != c.Visits+1 {
			t.Errorf("Visits: got %d, want %d", got.Visits, c.Visits+1)
		}
		if got.LastVisit.Before(before) || got.LastVisit.After(after) {
			t.Errorf("LastVisit: got %v, want between %v and %v", got.LastVisit, before, after)
		}
		read, err := e.s.Customer(e.ctx, license, c.ID)
		e.must(err, "Customer")
		checkCustomer(t, "Customer after visit", read, got)
		got2, err := e.s.UpdateCustomer(e.ctx, license, c.ID, chat.CustomerUpdate{Visit: true})
		e.must(err, "UpdateCustomer again")
		if got2.Visits != c.Visits+2 || got2.LastVisit.Before(got.LastVisit) {
			t.Errorf("second visit: got Visits %d LastVisit %v, want %d and not before %v", got2.Visits, got2.LastVisit, c.Visits+2, got.LastVisit)
		}
	})
	t.Run("Login", func(t *testing.T) {
		e := mk(t)
		at := e.now()
		cid := id("customer")
		u := chat.CustomerUpdate{Name: str("Dee"), Fields: map[string]string{"a": "b"}, Referrer: str("r"), Visit: true}
		got, err := e.s.LoginCustomer(e.ctx, license, cid, at, u)
		e.must(err, "LoginCustomer (new)")
		if got.Visits != 1 || got.LastVisit.IsZero() {
			t.Errorf("first login: Visits %d LastVisit %v, want 1 and set", got.Visits, got.LastVisit)
		}
		want := chat.Customer{ID: cid, LicenseID: license, Name: "Dee", Fields: map[string]string{"a": "b"}, Referrer: "r",
			CreatedAt: at, LastVisit: got.LastVisit, Visits: 1}
		checkCustomer(t, "LoginCustomer (new) result", got, want)
		read, err := e.s.Customer(e.ctx, license, cid)
		e.must(err, "Customer")
		checkCustomer(t, "Customer after first login", read, want)

		// A later login updates, merges fields, counts the visit and keeps
		// the creation time.
		got, err = e.s.LoginCustomer(e.ctx, license, cid, e.now(), chat.CustomerUpdate{Fields: map[string]string{"c": "d"}, Visit: true})
		e.must(err, "LoginCustomer (again)")
		want.Fields = map[string]string{"a": "b", "c": "d"}
		want.Visits, want.LastVisit = 2, got.LastVisit
		checkCustomer(t, "LoginCustomer (again) result", got, want)
		read, err = e.s.Customer(e.ctx, license, cid)
		e.must(err, "Customer")
		checkCustomer(t, "Customer after second login", read, want)
	})
	t.Run("LoginBanned", func(t *testing.T) {
		e := mk(t)
		c := e.fullCustomer()
		c.Banned, c.BannedUntil = true, time.Time{}
		e.must(e.s.CreateCustomer(e.ctx, c), "CreateCustomer")
		got, err := e.s.LoginCustomer(e.ctx, license, c.ID, e.now(), chat.CustomerUpdate{Name: str("Other"), Visit: true})
		e.must(err, "LoginCustomer")
		checkCustomer(t, "LoginCustomer (banned) result", got, c)
		read, err := e.s.Customer(e.ctx, license, c.ID)
		e.must(err, "Customer")
		checkCustomer(t, "Customer after a banned login", read, c)

		// A ban that has ended does not stop the login.
		c2 := e.fullCustomer()
		c2.Banned, c2.BannedUntil = true, e.now()
		e.must(e.s.CreateCustomer(e.ctx, c2), "CreateCustomer")
		got, err = e.s.LoginCustomer(e.ctx, license, c2.ID, e.now(), chat.CustomerUpdate{Name: str("Back"), Visit: true})
		e.must(err, "LoginCustomer after the ban")
		if got.Name != "Back" || got.Visits != c2.Visits+1 {
			t.Errorf("login after the ban: Name %q Visits %d, want Back and %d", got.Name, got.Visits, c2.Visits+1)
		}
	})
	t.Run("UpdateMissing", func(t *testing.T) {
		e := mk(t)
		_, err := e.s.UpdateCustomer(e.ctx, license, "missing", chat.CustomerUpdate{Visit: true})
		wantErr(t, err, chat.ErrNotFound, "UpdateCustomer(missing)")
	})
	t.Run("SideStorage", func(t *testing.T) {
		e := mk(t)
		c := e.fullCustomer()
		e.must(e.s.CreateCustomer(e.ctx, c), "CreateCustomer")
		side := map[string]string{"cart": "3 items", "lang": "nb"}
		e.must(e.s.SetCustomerSideStorage(e.ctx, license, c.ID, side), "SetCustomerSideStorage")
		got, err := e.s.Customer(e.ctx, license, c.ID)
		e.must(err, "Customer")
		if !sameJSON(got.SideStorage, side) {
			t.Errorf("SideStorage: got %v, want %v", got.SideStorage, side)
		}
		// Replaced, not merged; other fields untouched.
		e.must(e.s.SetCustomerSideStorage(e.ctx, license, c.ID, map[string]string{"lang": "en"}), "SetCustomerSideStorage again")
		got, err = e.s.Customer(e.ctx, license, c.ID)
		e.must(err, "Customer")
		want := c
		want.SideStorage = map[string]string{"lang": "en"}
		checkCustomer(t, "Customer after replacing side storage", got, want)
		// An update leaves it alone.
		name := "New"
		got, err = e.s.UpdateCustomer(e.ctx, license, c.ID, chat.CustomerUpdate{Name: &name})
		e.must(err, "UpdateCustomer")
		if !sameJSON(got.SideStorage, want.SideStorage) {
			t.Errorf("SideStorage after update: got %v, want %v", got.SideStorage, want.SideStorage)
		}
		e.must(e.s.SetCustomerSideStorage(e.ctx, license, c.ID, nil), "SetCustomerSideStorage(nil)")
		got, err = e.s.Customer(e.ctx, license, c.ID)
		e.must(err, "Customer")
		if len(got.SideStorage) != 0 {
			t.Errorf("SideStorage after clearing: got %v", got.SideStorage)
		}
	})
	t.Run("SideStorageMissing", func(t *testing.T) {
		e := mk(t)
		err := e.s.SetCustomerSideStorage(e.ctx, license, "missing", map[string]string{"a": "b"})
		wantErr(t, err, chat.ErrNotFound, "SetCustomerSideStorage(missing)")
	})
}

func checkAgent(t *testing.T, what string, got, want chat.Agent) {
	t.Helper()
	if got.ID != want.ID || got.LicenseID != want.LicenseID || got.Name != want.Name || got.Avatar != want.Avatar ||
		got.JobTitle != want.JobTitle || got.Role != want.Role || !bytes.Equal(got.PasswordHash, want.PasswordHash) || got.MaxChats != want.MaxChats ||
		got.Disabled != want.Disabled || !sameJSON(got.Groups, want.Groups) {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
	checkTime(t, what+" CreatedAt", got.CreatedAt, want.CreatedAt)
}

func testAgents(t *testing.T, mk func(*testing.T) *env) {
	full := func(e *env, id string) chat.Agent {
		return chat.Agent{ID: id, LicenseID: license, Name: "Agent " + id, Avatar: "https://cdn.example/" + id,
			JobTitle: "Support", Role: "administrator", Groups: []int{0, 2},
			PasswordHash: []byte("$2a$10$abcdefghijklmnopqrstuv\x00\xff"), MaxChats: 3, CreatedAt: e.now()}
	}
	t.Run("PutAndGet", func(t *testing.T) {
		e := mk(t)
		want := full(e, agent)
		e.must(e.s.PutAgent(e.ctx, want), "PutAgent")
		got, err := e.s.Agent(e.ctx, license, agent)
		e.must(err, "Agent")
		checkAgent(t, "Agent", got, want)
	})
	t.Run("Replace", func(t *testing.T) {
		e := mk(t)
		e.must(e.s.PutAgent(e.ctx, full(e, agent)), "PutAgent")
		want := chat.Agent{ID: agent, LicenseID: license, Name: "Renamed", Role: "normal", Groups: []int{3}, CreatedAt: e.now()}
		e.must(e.s.PutAgent(e.ctx, want), "PutAgent again")
		got, err := e.s.Agent(e.ctx, license, agent)
		e.must(err, "Agent")
		checkAgent(t, "Agent", got, want)
	})
	t.Run("NotFound", func(t *testing.T) {
		e := mk(t)
		_, err := e.s.Agent(e.ctx, license, "missing@example.com")
		wantErr(t, err, chat.ErrNotFound, "Agent(missing)")
		e.must(e.s.PutAgent(e.ctx, full(e, agent)), "PutAgent")
		_, err = e.s.Agent(e.ctx, license+1, agent)
		wantErr(t, err, chat.ErrNotFound, "Agent of another license")
	})
	t.Run("Disabled", func(t *testing.T) {
		e := mk(t)
		want := full(e, agent)
		want.Disabled = true
		e.must(e.s.PutAgent(e.ctx, want), "PutAgent disabled")
		got, err := e.s.Agent(e.ctx, license, agent)
		e.must(err, "Agent")
		checkAgent(t, "disabled Agent", got, want)
		want.Disabled = false
		e.must(e.s.PutAgent(e.ctx, want), "PutAgent enabled")
		as, err := e.s.Agents(e.ctx, license)
		e.must(err, "Agents")
		if len(as) != 1 {
			t.Fatalf("Agents: got %d, want 1", len(as))
		}
		checkAgent(t, "enabled again, in Agents", as[0], want)
	})
	t.Run("Delete", func(t *testing.T) {
		e := mk(t)
		e.must(e.s.PutAgent(e.ctx, full(e, agent)), "PutAgent")
		e.must(e.s.PutAgent(e.ctx, full(e, agent2)), "PutAgent 2")
		wantErr(t, e.s.DeleteAgent(e.ctx, license+1, agent), chat.ErrNotFound, "DeleteAgent of another license")
		e.must(e.s.DeleteAgent(e.ctx, license, agent), "DeleteAgent")
		_, err := e.s.Agent(e.ctx, license, agent)
		wantErr(t, err, chat.ErrNotFound, "Agent after DeleteAgent")
		as, err := e.s.Agents(e.ctx, license)
		e.must(err, "Agents")
		if len(as) != 1 || as[0].ID != agent2 {
			t.Errorf("Agents after DeleteAgent: got %+v, want %s only", as, agent2)
		}
		wantErr(t, e.s.DeleteAgent(e.ctx, license, agent), chat.ErrNotFound, "DeleteAgent again")
	})
	t.Run("ListOrderedByID", func(t *testing.T) {
		e := mk(t)
		var want []chat.Agent
		for _, id := range []string{"c@example.com", "a@example.com", "b@example.com"} {
			a := full(e, id)
			e.must(e.s.PutAgent(e.ctx, a), "PutAgent")
			want = append(want, a)
		}
		other := full(e, "0@example.com")
		other.LicenseID = license + 1
		e.must(e.s.PutAgent(e.ctx, other), "PutAgent other license")
		slices.SortFunc(want, func(a, b chat.Agent) int {
			if a.ID < b.ID {
				return -1
			}
			return 1
		})
		got, err := e.s.Agents(e.ctx, license)
		e.must(err, "Agents")
		if len(got) != len(want) {
			t.Fatalf("Agents: got %d, want %d", len(got), len(want))
		}
		for i := range got {
			checkAgent(t, "Agents", got[i], want[i])
		}
		none, err := e.s.Agents(e.ctx, 404)
		e.must(err, "Agents(404)")
		if len(none) != 0 {
			t.Errorf("Agents(404): got %+v, want none", none)
		}
	})
}
