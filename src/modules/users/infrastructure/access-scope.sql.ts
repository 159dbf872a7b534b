/**
 * The ids of the users a (non platform admin) principal may see: themself, every member of the
 * groups they administer and of those groups' subgroups, and their managees. `?` is the principal's id,
 * bound three times. Kept as SQL so scope is enforced inside the queries that read users.
 */
export const SCOPED_USER_IDS_SQL = `
  with recursive administered(id) as (
    select ga.group_id from group_admins ga where ga.user_id = ?
    union
    select g.id from groups g join administered a on g.parent_id = a.id
  )
  select ?::uuid as id
  union select gm.user_id from group_members gm join administered a on a.id = gm.group_id
  union select mr.managee_id from manager_relations mr where mr.manager_id = ?`;

export const ADMINISTERED_GROUP_IDS_SQL = `
  with recursive administered(id) as (
    select ga.group_id from group_admins ga where ga.user_id = ?
    union
    select g.id from groups g join administered a on g.parent_id = a.id
  )
  select id from administered`;
