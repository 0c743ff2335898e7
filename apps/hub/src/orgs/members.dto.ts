import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsUUID } from 'class-validator';

import { ORG_ROLES, type OrgRole } from '../auth/org-role.js';

/** `POST /orgs/{orgId}/members`: an existing user joins the org with a role. */
export class AddMemberDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() userId!: string;
  @ApiProperty({ enum: ORG_ROLES }) @IsIn(ORG_ROLES) role!: OrgRole;
}

/** `PATCH /orgs/{orgId}/members/{userId}`: the member's new role. */
export class ChangeRoleDto {
  @ApiProperty({ enum: ORG_ROLES }) @IsIn(ORG_ROLES) role!: OrgRole;
}

/** A member of an org as the API shows it; `createdAt` is when they joined (ISO 8601). */
export class MemberDto {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ORG_ROLES }) role!: OrgRole;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}
