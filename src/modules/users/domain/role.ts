import { randomUUID } from 'node:crypto';
import { ALL_PERMISSIONS, Permissions } from '#libs/contracts/users/permissions.js';
import { conflict, invalid } from '#libs/errors/domain-error.js';

const IMPORT_PERMISSION = /^imports\.[a-z0-9-]+$/;

export function assertKnownPermission(permission: string): void {
  if (!ALL_PERMISSIONS.includes(permission) && !IMPORT_PERMISSION.test(permission)) {
    throw invalid('USERS.UNKNOWN_PERMISSION', { permission });
  }
}

/** A named set of permissions. Built-in roles (system) are seeded and cannot be edited. */
export class Role {
  id: string;
  key: string;
  name: string;
  permissions: string[];
  system: boolean;

  static create(key: string, name: string, permissions: string[], system = false): Role {
    const role = new Role();
    role.id = randomUUID();
    role.key = key;
    role.system = system;
    role.name = name;
    role.setPermissions(permissions, true);
    return role;
  }

  rename(name: string): void {
    this.assertEditable();
    this.name = name.trim();
  }

  setPermissions(permissions: string[], creating = false): void {
    if (!creating) this.assertEditable();
    permissions.forEach(assertKnownPermission);
    this.permissions = [...new Set(permissions)].sort();
  }

  assertEditable(): void {
    if (this.system) throw conflict('USERS.ROLE_IS_SYSTEM', { key: this.key });
  }
}

/** The built-in roles. Import permissions are added to them as import types appear. */
export const SYSTEM_ROLES = {
  platformAdmin: {
    key: 'platform-admin',
    name: 'Platform admin',
    permissions: ALL_PERMISSIONS,
  },
  groupAdmin: {
    key: 'group-admin',
    name: 'Group admin',
    permissions: [
      Permissions.UsersRead,
      Permissions.UsersManage,
      Permissions.CertificatesRead,
      Permissions.CertificatesRegister,
      Permissions.ReportingRead,
      Permissions.NotificationDeliveriesRead,
      Permissions.ExternalCertificatesManage,
      Permissions.CredentialsManage,
      Permissions.CreditsRead,
      Permissions.LicencesManage,
      Permissions.ImportObtainedCertificatesWithFiles,
      Permissions.ImportObtainedCertificates,
      // Usable only while the platform setting imports.users.group-admins is on (UsersImport.availableTo).
      Permissions.ImportUsers,
      Permissions.ImportCredentialUpdate,
      Permissions.ImportLicences,
    ],
  },
  manager: {
    key: 'manager',
    name: 'Manager / coach',
    permissions: [Permissions.UsersRead, Permissions.CertificatesRead, Permissions.ExternalCertificatesManage, Permissions.LicencesManage, Permissions.ImportLicences],
  },
  learner: {
    key: 'learner',
    name: 'Learner',
    permissions: [Permissions.CertificatesRead],
  },
} as const;
