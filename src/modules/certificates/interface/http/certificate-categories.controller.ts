import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermissions } from '#libs/auth/decorators.js';
import { Permissions } from '#libs/contracts/users/index.js';
import { CreateCategoryCommand } from '../../application/commands/create-category/create-category.handler.js';
import { DeleteCategoryCommand } from '../../application/commands/delete-category/delete-category.handler.js';
import { UpdateCategoryCommand } from '../../application/commands/update-category/update-category.handler.js';
import { GetCategoryQuery, ListCategoriesQuery } from '../../application/queries/catalogue-queries.handlers.js';
import { CategoryDto, IdDto, SaveCategoryDto } from './certificates.dto.js';

@ApiTags('certificate catalogue')
@ApiBearerAuth()
@Controller('api/certificate-categories')
export class CertificateCategoriesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequirePermissions(Permissions.CertificatesRead)
  @ApiOperation({ summary: 'All certificate categories, by name' })
  @ApiOkResponse({ type: [CategoryDto] })
  list(): Promise<CategoryDto[]> {
    return this.queries.execute(new ListCategoriesQuery());
  }

  @Get(':id')
  @RequirePermissions(Permissions.CertificatesRead)
  @ApiOperation({ summary: 'One category' })
  @ApiOkResponse({ type: CategoryDto })
  get(@Param('id', ParseUUIDPipe) id: string): Promise<CategoryDto> {
    return this.queries.execute(new GetCategoryQuery(id));
  }

  @Post()
  @RequirePermissions(Permissions.CatalogueManage)
  @ApiOperation({ summary: 'Create a category (names are unique regardless of case)' })
  @ApiCreatedResponse({ type: IdDto })
  @ApiConflictResponse({ description: 'CERTIFICATES.CATEGORY_NAME_TAKEN' })
  create(@Body() body: SaveCategoryDto): Promise<IdDto> {
    return this.commands.execute(new CreateCategoryCommand(body.name));
  }

  @Patch(':id')
  @HttpCode(204)
  @RequirePermissions(Permissions.CatalogueManage)
  @ApiOperation({ summary: 'Rename a category' })
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() body: SaveCategoryDto) {
    await this.commands.execute(new UpdateCategoryCommand(id, body.name));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions(Permissions.CatalogueManage)
  @ApiOperation({ summary: 'Delete a category without definitions' })
  @ApiConflictResponse({ description: 'CERTIFICATES.CATEGORY_IN_USE' })
  async delete(@Param('id', ParseUUIDPipe) id: string) {
    await this.commands.execute(new DeleteCategoryCommand(id));
  }
}
