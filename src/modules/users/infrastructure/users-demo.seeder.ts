import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { recordEvent } from '#libs/outbox/outbox.js';
import { UserCreated, WelcomeMailRequested } from '#libs/contracts/users/index.js';
import { DemoSeederOf, type DemoSeeder } from '#libs/demo/demo-seeder.js';
import { Group } from '../domain/group.js';
import { hashPassword } from '../domain/password-hasher.js';
import { ProfileFieldDefinition } from '../domain/profile-field-definition.js';
import { User } from '../domain/user.js';

export const DEMO_PASSWORD = 'demo-password-1';

/**
 * Demo organisation: a platform admin, a group admin of Operations (and its subgroup), a manager with
 * managees, a coach with a coachee, and learners with user codes, some outside the group admin's reach.
 * The three reviewer paths of external certificates show with them: Lars and Lotte's uploads go to their
 * manager, Leo's to his coach, and Lena, Liam and Lucy (no manager) to the group admin.
 */
@Injectable()
@DemoSeederOf(10)
export class UsersDemoSeeder implements DemoSeeder {
  constructor(private readonly orm: MikroORM) {}

  async seed(): Promise<string[]> {
    const em = this.orm.em.fork();
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const person = (userCode: string | null, email: string, firstName: string, lastName: string, language = 'en') => {
      const user = User.create({ userCode, email, firstName, lastName, language });
      user.setPasswordHash(passwordHash);
      user.verifyEmail();
      em.persist(user);
      return user;
    };
    const admin = person('ADM-0001', 'admin@example.com', 'Ada', 'Admin');
    const groupAdmin = person('GA-0001', 'groupadmin@example.com', 'Gerrit', 'Groepsbeheer', 'nl');
    const manager = person('MGR-0001', 'manager@example.com', 'Mona', 'Manager');
    const coach = person('CO-0001', 'coach@example.com', 'Cora', 'Coach');
    const learners = [
      person('L-1001', 'lena@example.com', 'Lena', 'de Vries', 'nl'),
      person('L-1002', 'liam@example.com', 'Liam', 'Jansen', 'nl'),
      person('L-1003', 'lucy@example.com', 'Lucy', 'Smith'),
      person('L-1004', 'lars@example.com', 'Lars', 'Bakker', 'nl'),
      person('L-1005', 'leo@example.com', 'Leo', 'Brown'),
      person('L-1006', 'lotte@example.com', 'Lotte', 'Visser', 'nl'),
    ];
    const company = Group.create('Acme', null);
    const operations = Group.create('Operations', company.id);
    const warehouse = Group.create('Warehouse', operations.id);
    const sales = Group.create('Sales', company.id);
    em.persist([company, operations, warehouse, sales]);
    em.persist(ProfileFieldDefinition.define({ key: 'department', label: 'Department', type: 'text', openForImport: true }));
    em.persist(
      ProfileFieldDefinition.define({ key: 'contract_type', label: 'Contract type', type: 'select', options: ['permanent', 'temporary', 'contractor'], openForImport: true }),
    );
    for (const user of [admin, groupAdmin, manager, coach, ...learners]) {
      recordEvent(em, new UserCreated({ userId: user.id, userCode: user.userCode, email: user.email, firstName: user.firstName, lastName: user.lastName, language: user.language, createdBy: null, sendWelcomeMail: user === admin }));
      if (user === admin) {
        recordEvent(em, new WelcomeMailRequested({ userId: user.id, email: user.email, firstName: user.firstName, language: user.language, requestedBy: null, importId: null }));
      }
    }
    await em.transactional(async (tx) => {
      await tx.flush();
      const roleOf = async (userId: string, key: string) =>
        tx.execute(`insert into user_roles (user_id, role_id) select ?, id from roles where key = ?`, [userId, key]);
      await roleOf(admin.id, 'platform-admin');
      await roleOf(groupAdmin.id, 'group-admin');
      await roleOf(manager.id, 'manager');
      await roleOf(coach.id, 'manager');
      for (const learner of learners) await roleOf(learner.id, 'learner');
      await tx.execute(`insert into group_admins (group_id, user_id) values (?, ?)`, [operations.id, groupAdmin.id]);
      const member = (group: Group, user: User) => tx.execute(`insert into group_members (group_id, user_id) values (?, ?)`, [group.id, user.id]);
      await member(operations, learners[0]);
      await member(operations, learners[1]);
      await member(warehouse, learners[2]);
      await member(sales, learners[3]);
      await member(sales, learners[4]);
      await member(company, manager);
      await member(company, coach);
      for (const managee of [learners[3], learners[5]]) {
        await tx.execute(`insert into manager_relations (manager_id, managee_id, kind) values (?, ?, 'manager')`, [manager.id, managee.id]);
      }
      await tx.execute(`insert into manager_relations (manager_id, managee_id, kind) values (?, ?, 'coach')`, [coach.id, learners[4].id]);
    });
    return [
      `platform admin  admin@example.com / ${DEMO_PASSWORD}`,
      `group admin     groupadmin@example.com / ${DEMO_PASSWORD} (Operations and Warehouse)`,
      `manager         manager@example.com / ${DEMO_PASSWORD} (manages L-1004 and L-1006)`,
      `coach           coach@example.com / ${DEMO_PASSWORD} (coaches L-1005)`,
      `learners        lena@, liam@, lucy@, lars@, leo@, lotte@example.com / ${DEMO_PASSWORD} (user codes L-1001..L-1006)`,
    ];
  }
}
