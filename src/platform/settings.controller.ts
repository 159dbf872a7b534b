import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString, MaxLength } from 'class-validator';
import { CurrentPrincipal, RequirePermissions } from '#libs/auth/decorators.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { PlatformSettings } from '#libs/settings/platform-settings.js';

class SetPlatformSettingDto {
  @ApiProperty({ example: true, description: "The new value; its type is the setting's (see GET /api/settings)." })
  @IsDefined()
  value: unknown;
}

class SettingHistoryQueryDto {
  @ApiPropertyOptional({ example: 'imports.users.group-admins', description: 'Only the changes of this setting.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  key?: string;
}

/** Installation-wide switches for platform admins, with an audit of who changed what and when. */
@ApiTags('settings')
@ApiBearerAuth()
@Controller('api/settings')
@RequirePermissions(Permissions.SettingsManage)
export class SettingsController {
  constructor(private readonly settings: PlatformSettings) {}

  @Get()
  @ApiOperation({ summary: 'Every platform setting with its value, default, and who last changed it' })
  async list() {
    return { items: await this.settings.list() };
  }

  @Get('history')
  @ApiOperation({ summary: 'Changes to the platform settings, newest first' })
  async history(@Query() query: SettingHistoryQueryDto) {
    return { items: await this.settings.history(query.key) };
  }

  @Put(':key')
  @ApiOperation({ summary: 'Set a platform setting (kept in the audit)' })
  set(@CurrentPrincipal() principal: Principal, @Param('key') key: string, @Body() body: SetPlatformSettingDto) {
    return this.settings.set(key, body.value, principal.userId);
  }
}
