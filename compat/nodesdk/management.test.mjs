// The official WorkOS Node SDK (@workos-inc/node) against Latchkey's
// management API: organizations with domains, users, organization
// memberships, sessions, and the SDK's exceptions for Latchkey's errors.
// nodesdk_test.go starts the server and runs this file with LATCHKEY_URL
// and API_KEY set.
//
// Any difference from WorkOS's wire format is fixed in Latchkey, never
// patched around here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  WorkOS,
  BadRequestException,
  ConflictException,
  NotFoundException,
  UnauthorizedException,
  UnprocessableEntityException,
} from '@workos-inc/node';

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this file through nodesdk_test.go`);
  return v;
}

const base = new URL(env('LATCHKEY_URL'));

function newWorkOS(key = env('API_KEY')) {
  return new WorkOS(key, { apiHostname: base.hostname, port: Number(base.port), https: false, maxRetries: 0 });
}

// Every run makes its own names, so the file can run against a server
// that keeps its data.
const run = crypto.randomBytes(4).toString('hex');

test('organizations: create with domains, get, list, update, delete', async () => {
  const workos = newWorkOS();
  const org = await workos.organizations.createOrganization({
    name: `Globex ${run}`,
    externalId: `globex-${run}`,
    domainData: [{ domain: `globex-${run}.test`, state: 'verified' }],
  });
  assert.match(org.id, /^org_[0-9A-Z]{26}$/);
  assert.equal(org.name, `Globex ${run}`);
  assert.equal(org.externalId, `globex-${run}`);
  assert.deepEqual(org.metadata, {});
  assert.equal(org.domains.length, 1);
  assert.equal(org.domains[0].domain, `globex-${run}.test`);
  assert.equal(org.domains[0].state, 'verified');
  assert.equal(org.domains[0].organizationId, org.id);

  assert.equal((await workos.organizations.getOrganization(org.id)).id, org.id);
  assert.equal((await workos.organizations.getOrganizationByExternalId(`globex-${run}`)).id, org.id);

  const byDomain = await workos.organizations.listOrganizations({ domains: [`globex-${run}.test`, 'nobody.test'] });
  assert.deepEqual(byDomain.data.map((o) => o.id), [org.id]);

  const renamed = await workos.organizations.updateOrganization({ organization: org.id, name: `Globex Corp ${run}` });
  assert.equal(renamed.name, `Globex Corp ${run}`);
  assert.equal(renamed.domains.length, 1);

  // A domain of another organization is a conflict.
  await assert.rejects(
    workos.organizations.createOrganization({ name: 'Copycat', domainData: [{ domain: `globex-${run}.test`, state: 'verified' }] }),
    (err) => err instanceof ConflictException && err.status === 409,
  );

  await workos.organizations.deleteOrganization(org.id);
  await assert.rejects(workos.organizations.getOrganization(org.id), (err) => err instanceof NotFoundException);
});

test('users: create, list by organization, update, memberships, sessions, delete', async () => {
  const workos = newWorkOS();
  const org = await workos.organizations.createOrganization({ name: `Initech ${run}` });
  const email = `peter-${run}@initech.test`;
  const user = await workos.userManagement.createUser({
    email,
    firstName: 'Peter',
    emailVerified: true,
    password: 'correct horse battery staple',
  });
  assert.match(user.id, /^user_[0-9A-Z]{26}$/);
  assert.equal(user.email, email);
  assert.equal(user.firstName, 'Peter');
  assert.equal(user.lastName, null);
  assert.equal(user.emailVerified, true);

  const membership = await workos.userManagement.createOrganizationMembership({
    organizationId: org.id,
    userId: user.id,
    roleSlug: 'admin',
  });
  assert.equal(membership.status, 'active');
  assert.equal(membership.role.slug, 'admin');
  assert.equal(membership.organizationId, org.id);

  const members = await workos.userManagement.listUsers({ organizationId: org.id });
  assert.deepEqual(members.data.map((u) => u.id), [user.id]);
  const byEmail = await workos.userManagement.listUsers({ email: email.toUpperCase() });
  assert.deepEqual(byEmail.data.map((u) => u.id), [user.id]);

  const memberships = await workos.userManagement.listOrganizationMemberships({ userId: user.id });
  assert.deepEqual(memberships.data.map((m) => m.id), [membership.id]);

  const updated = await workos.userManagement.updateUser({ userId: user.id, lastName: 'Gibbons' });
  assert.equal(updated.lastName, 'Gibbons');
  assert.equal(updated.firstName, 'Peter');

  const sessions = await workos.userManagement.listSessions(user.id);
  assert.deepEqual(sessions.data, []);

  await workos.userManagement.deleteUser(user.id);
  await assert.rejects(workos.userManagement.getUser(user.id), (err) => err instanceof NotFoundException);
  await workos.organizations.deleteOrganization(org.id);
});

test('lists page with the SDK cursors', async () => {
  const workos = newWorkOS();
  const org = await workos.organizations.createOrganization({ name: `Paged ${run}` });
  const ids = [];
  for (let i = 0; i < 3; i++) {
    const u = await workos.userManagement.createUser({ email: `paged-${i}-${run}@paged.test` });
    await workos.userManagement.createOrganizationMembership({ organizationId: org.id, userId: u.id });
    ids.push(u.id);
  }
  const first = await workos.userManagement.listUsers({ organizationId: org.id, limit: 2, order: 'asc' });
  assert.deepEqual(first.data.map((u) => u.id), ids.slice(0, 2));
  assert.equal(first.listMetadata.after, ids[1]);
  const second = await workos.userManagement.listUsers({ organizationId: org.id, limit: 2, order: 'asc', after: first.listMetadata.after });
  assert.deepEqual(second.data.map((u) => u.id), ids.slice(2));
  assert.equal(second.listMetadata.after, null);

  const all = await (await workos.userManagement.listUsers({ organizationId: org.id })).autoPagination();
  assert.deepEqual(all.map((u) => u.id).sort(), [...ids].sort());
  await workos.organizations.deleteOrganization(org.id);
});

test('errors arrive as the SDK exceptions', async () => {
  const workos = newWorkOS();
  await assert.rejects(
    workos.userManagement.createUser({ email: 'not an email' }),
    (err) => err instanceof UnprocessableEntityException && err.status === 422 && err.code === 'invalid_request_parameters',
  );
  await assert.rejects(
    workos.userManagement.createUser({ email: `weak-${run}@example.test`, password: 'short' }),
    (err) => err instanceof BadRequestException && err.code === 'password_strength_error',
  );
  await assert.rejects(
    newWorkOS('sk_test_not_a_key_of_this_server').organizations.listOrganizations(),
    (err) => err instanceof UnauthorizedException && err.status === 401,
  );
});
