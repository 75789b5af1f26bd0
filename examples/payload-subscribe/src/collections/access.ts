//! Who is an admin: a user of the `users` collection. A signed-in member is a `req.user` too, so
//! `Boolean(req.user)` would let members in.
import type { Access, PayloadRequest } from 'payload'

export const isAdmin = (user: PayloadRequest['user']): boolean => user?.collection === 'users'

export const adminsOnly: Access = ({ req }) => isAdmin(req.user)
