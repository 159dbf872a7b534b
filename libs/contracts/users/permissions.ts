/** Named permissions. Roles carry them; endpoints and import types require them. */
export const Permissions = {
  /** Sees and acts on every user, regardless of groups or manager relations (platform admins). */
  ScopeAll: 'scope.all',
  UsersRead: 'users.read',
  UsersManage: 'users.manage',
  GroupsManage: 'groups.manage',
  RolesManage: 'roles.manage',
  ProfileFieldsManage: 'profile-fields.manage',
  CatalogueManage: 'certificates.catalogue.manage',
  CertificatesRead: 'certificates.read',
  CertificatesRegister: 'certificates.register',
  ReportingRead: 'reporting.read',
  MailCatcherRead: 'mail-catcher.read',
  /** Operations: queue dashboard, dead letters (platform admins). */
  OperationsManage: 'operations.manage',
  /** Installation-wide switches (platform settings) and their audit (platform admins). */
  SettingsManage: 'settings.manage',
  /**
   * External certificates of the users in scope: upload for them, see them, review them (managers and
   * coaches their managees, group admins their groups' members). Anyone may upload their own.
   */
  ExternalCertificatesManage: 'external-certificates.manage',
  /** Credential groups, designs and issued credentials of the credential groups in scope (owned by a user group the caller administers). */
  CredentialsManage: 'credentials.manage',
  /** The credit balance and its history. */
  CreditsRead: 'credits.read',
  /** Top up the credit balance (platform admins). */
  CreditsManage: 'credits.manage',
  /** Licence types: create, change, retire (platform admins). */
  LicenceTypesManage: 'licences.types.manage',
  /** Users' licences and certifications of the users in scope (supervisors: managers of their managees). */
  LicencesManage: 'licences.manage',
  /** The mail delivery log of users in scope. */
  NotificationDeliveriesRead: 'notifications.deliveries.read',
  /** Import types: one permission each, `imports.<type key>`. */
  ImportObtainedCertificatesWithFiles: 'imports.obtained-certificates-with-files',
  ImportObtainedCertificates: 'imports.obtained-certificates',
  /** Group admins have it only while the platform setting imports.users.group-admins is on. */
  ImportUsers: 'imports.users',
  ImportCredentialUpdate: 'imports.credential-update',
  ImportLicences: 'imports.licences',
} as const;

export type Permission = (typeof Permissions)[keyof typeof Permissions] | `imports.${string}`;

export const ALL_PERMISSIONS: string[] = Object.values(Permissions);
