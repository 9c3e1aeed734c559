/**
 * The sharing API (accounts mode), JSON in and out. Anyone who may read a document sees who has
 * access; only its owner changes it. Every change re-checks the live connections at once.
 *
 *   GET    /api/docs/:id/access                      { owner, members, links (owner only), role }
 *   PUT    /api/docs/:id/access/members/:username    { role: "editor" | "viewer" }  adds or changes
 *   PATCH  /api/docs/:id/access/members/:username    { role: "editor" | "viewer" }  changes; 404 if not a member
 *   DELETE /api/docs/:id/access/members/:username    204 (an owner removes anyone; a member themself)
 *   POST   /api/docs/:id/access/links                { role: "editor" | "viewer" }  201 link
 *   DELETE /api/docs/:id/access/links/:linkId        204; sockets opened with the link close
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { isDocId, USERNAME_PATTERN } from '../../shared/validate.js'
import { AclStore, type DocAcl, type ShareLink } from '../auth/acl.js'
import type { Auth } from '../auth/auth.js'
import type { Guard } from './guard.js'
import { parseBody } from './auth-api.js'
import { HttpError, json, readJson } from './respond.js'
import type { RouteContext, Router } from './router.js'

const grantable = z.enum(['editor', 'viewer'], { error: 'role must be "editor" or "viewer"' })
/** Body of a member change. */
export const MemberBody = z.strictObject({ role: grantable }, { error: 'send {"role": "editor" | "viewer"}' })
/** Body of a new share link. */
export const LinkBody = z.strictObject({ role: grantable }, { error: 'send {"role": "editor" | "viewer"}' })

/** How a link is shown to its document's owner. */
export function linkView(docId: string, link: ShareLink) {
  return { id: link.id, role: link.role, createdAt: link.createdAt, url: `/d/${docId}?share=${link.secret}` }
}

/** What the sharing routes need. */
export interface AccessApiContext {
  readonly auth: Auth
  readonly guard: Guard
  readonly now: () => number
}

/** Adds /api/docs/:id/access routes to a router. */
export function addAccessRoutes(router: Router, ctx: AccessApiContext): void {
  const { auth, guard } = ctx

  const docId = (route: RouteContext) => {
    const id = route.params.id ?? ''
    if (!isDocId(id)) throw new HttpError(400, 'document ids are 1 to 64 characters of A-Z a-z 0-9 _ -')
    return id
  }
  const store = (): AclStore => {
    if (!auth.acl) throw new HttpError(404, `sharing needs accounts (this server runs with --auth ${auth.mode})`)
    return auth.acl
  }
  const found = (id: string, acl: DocAcl | undefined): DocAcl => {
    if (!acl) throw new HttpError(404, `no document ${id}`)
    return acl
  }
  const aclOf = (id: string): DocAcl => found(id, store().get(id))
  // `change` runs on the list as it is when the change's turn comes (the store runs one change
  // per document at a time), so its checks must be made there, not on a list read before
  const save = async (id: string, change: (acl: DocAcl) => DocAcl) => {
    await store().update(id, (acl) => change(found(id, acl)))
    auth.live.recheck(id)
  }
  const userNamed = async (name: string) => {
    if (!USERNAME_PATTERN.test(name)) throw new HttpError(400, 'usernames are 3 to 32 characters of A-Z a-z 0-9 _ . -')
    const user = await auth.accounts!.get(name)
    if (!user) throw new HttpError(404, `no user ${name}`)
    return user
  }
  const noContent = (res: ServerResponse) => {
    res.writeHead(204, { 'Cache-Control': 'no-store' })
    res.end()
  }

  router.add('GET', '/api/docs/:id/access', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const id = docId(route)
    store()
    const role = guard.require(await guard.access(req, route.url), id, 'read')
    const acl = aclOf(id)
    const names = new Map((await auth.accounts!.list()).map((u) => [u.id, u.username]))
    json(res, 200, {
      role,
      owner: names.get(acl.owner) ?? acl.owner,
      members: Object.entries(acl.members).map(([userId, r]) => ({ username: names.get(userId) ?? userId, role: r })),
      links: role === 'owner' ? acl.links.map((l) => linkView(id, l)) : [],
    })
  })

  router.add('PUT', '/api/docs/:id/access/members/:username', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const id = docId(route)
    store()
    guard.require(await guard.access(req, route.url), id, 'share')
    const { role } = parseBody(MemberBody, await readJson(req))
    const user = await userNamed(route.params.username ?? '')
    await save(id, (acl) => {
      if (user.id === acl.owner) throw new HttpError(400, 'the owner keeps owning the document')
      return { ...acl, members: { ...acl.members, [user.id]: role } }
    })
    json(res, 200, { username: user.username, role })
  })

  router.add('PATCH', '/api/docs/:id/access/members/:username', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const id = docId(route)
    store()
    guard.require(await guard.access(req, route.url), id, 'share')
    const { role } = parseBody(MemberBody, await readJson(req))
    const user = await userNamed(route.params.username ?? '')
    await save(id, (acl) => {
      // a change, never a grant: a list read before someone was removed must not bring them back
      if (!Object.hasOwn(acl.members, user.id)) throw new HttpError(404, `${user.username} is not a member of this document`)
      return { ...acl, members: { ...acl.members, [user.id]: role } }
    })
    json(res, 200, { username: user.username, role })
  })

  router.add('DELETE', '/api/docs/:id/access/members/:username', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const id = docId(route)
    store()
    const access = await guard.access(req, route.url)
    const name = route.params.username ?? ''
    // access first, by name (user ids are lower-cased usernames): looking the user up before
    // would tell anyone which usernames exist
    const self = access.principal.kind === 'user' && access.principal.user.id === name.toLowerCase()
    guard.require(access, id, self ? 'read' : 'share')
    const user = await userNamed(name)
    await save(id, (acl) => {
      if (!Object.hasOwn(acl.members, user.id)) throw new HttpError(404, `${user.username} is not a member of this document`)
      const members = { ...acl.members }
      delete members[user.id]
      return { ...acl, members }
    })
    noContent(res)
  })

  router.add('POST', '/api/docs/:id/access/links', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const id = docId(route)
    store()
    const access = await guard.access(req, route.url)
    guard.require(access, id, 'share')
    const { role } = parseBody(LinkBody, await readJson(req))
    const creator = access.principal.kind === 'user' ? access.principal.user.id : 'unknown'
    const link = AclStore.newLink(role, creator, ctx.now())
    await save(id, (acl) => ({ ...acl, links: [...acl.links, link] }))
    json(res, 201, linkView(id, link))
  })

  router.add('DELETE', '/api/docs/:id/access/links/:linkId', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const id = docId(route)
    store()
    guard.require(await guard.access(req, route.url), id, 'share')
    await save(id, (acl) => {
      const links = acl.links.filter((l) => l.id !== route.params.linkId)
      if (links.length === acl.links.length) throw new HttpError(404, `no link ${route.params.linkId}`)
      return { ...acl, links }
    })
    noContent(res)
  })
}
