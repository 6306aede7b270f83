"""Base service items per department, as one line each (several hundred across the departments).

Line format (fields separated by "|", trailing fields may be left out):

    名称 | 类型 | 对象 | 办理项 | 结果 | 层级 | 口语名 | 主题 | 材料 | 标志

- 类型: the item type code of the standard (01 行政许可 … 10 其他行政权力, 20 公共服务).
- 对象: P natural persons, E legal persons, PE both.
- 办理项: letters of the handling items the item is split into: N 新设, C 变更, R 延续, X 注销.
- 结果: a license kind key (reference.LICENSE_KINDS), or A approval, F filing, O other, $ payment.
- 层级: where the item is implemented: P province, C city, D county, T township, V village (default CD).
  Township and village items are implemented by the local 便民服务中心 for the county department.
- 口语名: colloquial names (comma separated), the words people actually type.
- 主题: theme keys (reference.THEMES).
- 材料: material keys (reference.MATERIALS) or free names; "?" marks a conditional material and
  "@" gives its condition (a key's own condition is used when none is given).
- 标志: I done on the spot (即办件), V the applicant must come in person, H high-frequency item,
  $key a fee (reference.FEES).
"""

from __future__ import annotations

TEMPLATES: dict[str, str] = {
    "scjg": """
个体工商户登记|01|PE|NCX|YYZZ|CD|开个体户,办个体营业执照,个体执照,摆摊办执照|start,change,close|cs,?wts|H
有限责任公司登记|01|E|NCX|YYZZ|CD|开公司,注册公司,办营业执照,公司注册|start,change,close|zc,gd,cs,?wts|H
个人独资企业登记|01|PE|NCX|YYZZ|CD|开个人独资企业,独资企业执照|start,change,close|cs,?wts
合伙企业登记|01|E|NCX|YYZZ|CD|开合伙企业,合伙企业执照|start,change,close|合伙协议,gd,cs,?wts
农民专业合作社登记|01|E|NCX|YYZZ|CD|办合作社,合作社执照,成立合作社|start,change,close|合作社章程,成员名册,cs
外商投资企业登记|01|E|NCX|YYZZ|PC|外资公司注册,外企执照,外商投资登记|start,trade,change,close|zc,投资者主体资格证明,cs
企业名称自主申报|20|E||O|CD|公司起名,企业核名,查名字能不能用|start||I,H
营业执照遗失补领和换发|20|PE||YYZZ|CD|营业执照丢了,补办营业执照,换营业执照|change|ss,yj|I
食品经营许可|01|PE|NCRX|SPJY|CD|开饭店办证,开超市办证,食品许可证,卖吃的办证|permit|cs,pm,sb,jkzm,zd_zd|H
食品生产许可|01|E|NCRX|SPSC|C|开食品厂,食品生产许可证,SC证|permit|pm,sb,zd_zd,工艺流程图
食品小作坊登记|10|PE|NCRX|O|CD|小作坊登记证,做小吃作坊登记,食品作坊|permit|cs,pm,jkzm
食品摊贩备案|10|P|NX|F|D|摆摊卖小吃备案,流动摊贩备案|permit|jkzm|I
特种设备使用登记|01|E|NCX|TZSB|CD|电梯登记,锅炉登记,特种设备登记证|permit|特种设备产品合格证,监督检验证明|H
特种设备作业人员资格认定|01|P|NR|TZZY|C|叉车证,电梯操作证,特种设备作业证|work|zp,tj,xl,考试合格证明
特种设备安装改造修理告知|10|E||F|CD|电梯安装告知,锅炉安装告知|build|施工合同,施工方案|I
药品零售企业经营许可|01|E|NCRX|YPJY|CD|开药店办证,药店许可证,药品经营许可证|permit|cs,pm,ry,zd_zd|H
第三类医疗器械经营许可|01|E|NCRX|O|C|医疗器械许可证,卖医疗器械办证|permit|cs,ry,zd_zd
第二类医疗器械经营备案|10|E|NC|F|C|二类医疗器械备案,卖血压计备案|permit|cs,ry|I
药品批发企业经营许可|01|E|NCRX|YPJY|P|药品批发许可,医药公司许可证|permit|cs,ry,zd_zd,仓储设施说明
药品生产许可|01|E|NCRX|O|P|药厂许可证,药品生产许可证|permit|ry,zd_zd,厂区总平面布置图
化妆品生产许可|01|E|NCRX|O|P|化妆品厂许可,化妆品生产许可证|permit|pm,sb,zd_zd
计量标准器具核准|01|E|NR|O|PC|计量标准考核,计量器具核准|permit|计量标准技术报告,ry
检验检测机构资质认定|01|E|NCR|O|P|CMA资质,检测机构资质|permit|ry,sb,zd_zd
工业产品生产许可|01|E|NCRX|O|P|生产许可证,工业产品许可证|permit|sb,产品检验报告
商标注册申请受理|20|PE||O|C|注册商标,申请商标,商标注册|start|商标图样,?wts
广告发布登记|01|E|NCX|O|CD|广告发布登记,办广告证|permit|广告审查制度,ry
股权出质登记|10|E|NCX|F|CD|股权质押登记,股权质押|change|质权合同,?wts|I
动产抵押登记|10|PE|NCX|F|CD|动产抵押,设备抵押登记,车辆抵押登记|change|抵押合同|I
企业年度报告公示|20|E||O|CD|企业年报,工商年报,营业执照年检||I
企业信用修复|20|E||O|CD|信用修复,移出经营异常名录,移出异常名录|change|cn,整改材料
消费投诉和举报受理|20|PE||O|CD|12315投诉,消费投诉,买到假货投诉,退货不给退|relief|zj
""",
    "ga": """
居民身份证首次申领|20|P||SFZ|CD|办身份证,第一次办身份证,满16岁办身份证,小孩办身份证|identity|hkb,?jhzm|V,H,$sfz
居民身份证换领|20|P||SFZ|CD|换身份证,身份证到期换证,身份证过期了|identity|hkb,yj|V,H,$sfz
居民身份证补领|20|P||SFZ|CD|身份证丢了,补办身份证,身份证掉了|identity|hkb,ss|V,H,$sfz
临时居民身份证核发|20|P||O|CD|办临时身份证,临时身份证|identity|hkb,zp|I,$lssfz
出生登记|06|P||HKB|CD|生孩子上户口,新生儿落户,宝宝上户口,小孩上户口|birth|csyx,hkb,jhz|I,H
死亡人员户口注销|06|P||O|CD|人去世销户口,死亡销户,注销户口|death|swxx,hkb|I
户口迁移|06|P||HKB|CD|迁户口,户口迁入,户口迁出,转户口|housing|hkb,sfz,迁入地住所证明|H
夫妻投靠落户|06|P||HKB|CD|结婚后迁户口,投靠配偶落户,随老公迁户口|marriage|hkb,jhz,hyxx
大中专院校学生户口迁移|06|P||HKB|CD|大学生户口迁移,毕业落户,上大学迁户口|school|录取通知书,hkb
购房落户|06|P||HKB|CD|买房落户,买房迁户口,买房上户口|housing|bdcqz,hkb,bdcxx
人才引进落户|06|P||HKB|C|人才落户,毕业生落户蚌埠|work|xl,ldht,hkb
户口簿补领和换领|20|P||HKB|CD|户口本丢了,补办户口本,换户口本|identity|ss,sfz|I
户籍登记项目变更更正|06|P||HKB|CD|改名字,户口改名,改出生日期,改民族|identity|hkb,变更更正依据
居住证申领|20|P||JZZ|CD|办居住证,外地人办居住证,暂住证|housing,identity|sfz,zp,zl,ldht|H
无犯罪记录证明出具|20|P||O|CD|开无犯罪证明,无犯罪记录证明,开良民证|work|sfz,?wts|I,H
机动车驾驶证初次申领|01|P||JSZ|CD|考驾照,学车考试,办驾照|travel|sfz,tj,zp|V,$jsz
机动车驾驶证期满换证|01|P||JSZ|CD|驾照到期换证,换驾照,驾驶证到期|travel|jsz,tj|I,$jsz
机动车驾驶证补证|01|P||JSZ|CD|驾照丢了,补驾照,驾驶证丢了|travel|sfz,ss|I,$jsz
机动车注册登记|01|PE||XSZ|CD|新车上牌,买车上牌,车辆上户,新车上户|travel|sfz,机动车来历证明,整车出厂合格证明,交强险凭证|V,H,$plate
机动车转移登记|01|PE||XSZ|CD|二手车过户,车辆过户,买二手车过户|travel|xsz,机动车登记证书,机动车来历证明|V,$plate
机动车变更登记|01|PE||XSZ|CD|改车颜色登记,车辆变更,换发动机登记|travel|xsz,机动车登记证书
机动车注销登记|01|PE||O|CD|车辆报废注销,汽车注销,车子注销|travel|xsz,报废机动车回收证明|I
机动车检验合格标志核发|01|PE||O|CD|年检标志,车检贴,六年免检,车辆年检|travel|xsz,交强险凭证|I,H
机动车临时号牌核发|01|PE||O|CD|临牌,办临时牌照,临时车牌|travel|sfz,机动车来历证明|I
电动自行车登记|20|P||O|CD|电动车上牌,电瓶车上牌,电动车牌照|travel|sfz,购车发票,车辆合格证|I,H
交通违法处理|02|P||O|CD|处理违章,交罚款,扣分处理,违章处理|travel|jsz,xsz|I
普通护照签发|01|P||HZ|C|办护照,出国办护照,护照|travel|sfz,zp|V,$hz
往来港澳通行证签发|01|P||GAT|C|办港澳通行证,去香港办证,港澳签注|travel|sfz,zp|V,$gat
往来台湾通行证签发|01|P||O|C|办台湾通行证,去台湾办证,台湾通行证|travel|sfz,zp|V
犬只登记|01|P||O|CD|养狗登记,办狗证,狗证|housing|sfz,犬只免疫证明,犬只照片
旅馆业特种行业许可|01|E|NCX|O|CD|开宾馆办证,旅馆特行证,开民宿办证|permit|cs,pm,治安保卫制度
公章刻制备案|10|E||F|CD|刻章备案,刻公章,刻章|start|yyzz,fddb|I,H
典当业特种行业许可|01|E|NCX|O|C|开典当行办证,典当许可|permit|cs,治安保卫制度
大型群众性活动安全许可|01|E||O|CD|搞大型活动审批,演唱会安全许可,大型活动报备|permit|活动方案,安全工作方案,场地使用合同
剧毒化学品购买许可|01|E||O|C|买剧毒化学品许可,剧毒品购买证|permit|yyzz,购买用途说明
烟花爆竹道路运输许可|01|E||O|CD|烟花运输证,运烟花许可|permit|运输车辆证明,驾驶员押运员资格证明
保安服务公司设立许可|01|E|NC|O|P|开保安公司,保安公司许可|permit|zc,ry,cs
互联网上网服务营业场所信息网络安全审核|01|E||O|CD|网吧安全审核,网吧消防和网安审核|permit|cs,pm,网络安全管理制度
""",
    "mz": """
农村留守儿童和困境儿童关爱服务|20|P||O|TV|留守儿童关爱,困境儿童帮扶|relief|hkb,sfz
居家养老服务补贴申请受理|20|P||O|TV|居家养老补贴,上门养老服务|elderly|sfz,hkb,srzm
事实无人抚养儿童生活补贴申请受理|20|P||O|TV|无人抚养儿童补贴,困境儿童补贴|relief|hkb,jhzm

内地居民结婚登记|06|P||JHZ|CD|领结婚证,登记结婚,扯证,结婚登记|marriage|hkb,sfz,zp|V,I,H
内地居民离婚登记|06|P||LHZ|CD|办离婚,协议离婚,离婚登记|marriage|hkb,sfz,jhz,离婚协议书,zp|V
补领结婚证|06|P||JHZ|CD|结婚证丢了,补办结婚证|marriage|hkb,sfz,zp|I
补领离婚证|06|P||LHZ|CD|离婚证丢了,补办离婚证|marriage|hkb,sfz,zp|I
婚姻登记档案查询证明|20|P||O|CD|开单身证明,婚姻状况证明,查结婚记录|marriage|sfz,?wts|I,H
最低生活保障审批|05|P||O|D|低保审批,吃低保,办低保,低保户|relief|srzm,hkb,dbxx,cjzm|H
特困人员认定|06|P||O|D|五保户申请,特困供养,特困人员|relief|srzm,hkb,cjzm
临时救助给付|05|P||O|DT|临时救助,救急难,突发困难救助|relief|srzm,困难情况说明|H
城市生活无着的流浪乞讨人员救助|05|P||O|CD|流浪救助,救助站|relief||I
困难残疾人生活补贴和重度残疾人护理补贴给付|05|P||O|D|残疾人两项补贴,残疾人补贴|disability|cjrz,cjrxx,srzm
高龄津贴发放|05|P||O|D|80岁补贴,高龄补贴,老人补贴,高龄津贴|elderly|sfz,hkb,rk
养老机构备案|10|E|NCX|F|CD|开养老院备案,养老院备案|permit,elderly|cs,消防安全检查材料,ry
社会团体成立登记|01|E|NCX|O|PCD|成立协会,社团登记,成立商会|start|章程草案,负责人身份证明,cs
民办非企业单位登记|01|E|NCX|O|PCD|民非登记,办民办非企业,社会服务机构登记|start|章程草案,验资报告,cs
基金会登记|01|E|NCX|O|P|成立基金会,基金会登记|start|章程草案,验资报告
基本殡葬服务费用减免|05|P||O|CD|丧葬补贴,火化费减免,殡葬补贴|death|swxx,hhxx,hkb
经营性公墓审批|01|E||O|P|经营性公墓,建公墓审批|build|lx,公墓建设规划
地名命名更名审批|01|E||O|CD|小区起名,道路命名,楼盘命名|build|命名申请说明,位置示意图
慈善组织认定|06|E||O|PC|慈善组织认定,认定慈善组织|start|章程,财务会计报告
孤儿基本生活费给付|05|P||O|D|孤儿补贴,孤儿生活费|relief|hkb,父母死亡证明
收养登记|06|P||O|C|领养孩子,收养登记,收养小孩|birth|sfz,hkb,收养协议,体检证明|V
老年人优待证办理|20|P||LNYD|CDTV|办老年证,老年优待证,老年卡|elderly|sfz,zp|I,H
最低生活保障申请受理|20|P||O|TV|申请低保,低保怎么申请,低保申请|relief|srzm,hkb,sfz|H
特困人员救助供养申请受理|20|P||O|TV|五保申请,特困申请|relief|srzm,hkb,sfz
困难残疾人两项补贴申请受理|20|P||O|TV|残疾人补贴申请,残疾补贴|disability|cjrz,sfz
高龄津贴申请受理|20|P||O|TV|80岁老人补贴申请,高龄补贴申请|elderly|sfz,hkb|I
临时救助申请受理|20|P||O|V|临时救助申请,遇到急事申请救助|relief|srzm,困难情况说明
殡葬补贴申请受理|20|P||O|TV|丧葬补贴申请,老人去世补贴|death|swxx,hkb
""",
    "rs": """
城乡居民基本养老保险待遇领取资格认证|20|P||O|TV|养老金资格认证,刷脸认证,领养老金认证|elderly|sfz|I,H
求职登记和职业介绍|20|P||O|TV|找工作,求职登记,介绍工作|work|sfz|I
拖欠农民工工资线索登记|20|P||O|TV|农民工讨薪,工资被拖欠登记|work|sfz,zj|I

社会保障卡申领|20|P||SBK|CDT|办社保卡,领社保卡,新办社保卡|work,medical|sfz,zp|I,H
社会保障卡补领和换领|20|P||SBK|CD|社保卡丢了,补办社保卡,换社保卡|work,medical|sfz,ss|I
失业保险金申领|05|P||$|CD|领失业金,失业补助,失业保险,失业金|work|sfz,lzzm,jysy,sbjn|H
失业登记|20|P||O|CD|失业登记,办失业证|work|sfz|I
就业登记|20|PE||O|CD|就业登记,入职登记,招工登记|work,hire|sfz,ldht|I
就业创业证申领|20|P||O|CD|就业创业证,就业失业登记证|work|sfz,zp|I
企业职工基本养老保险参保登记|20|E||O|CD|给员工上社保,单位社保开户,单位参保|hire|yyzz,fddb|I,H
城乡居民基本养老保险参保登记|20|P||O|CDTV|交新农保,农村养老保险,居民养老保险|elderly|sfz,hkb|I,H
个人权益记录查询打印|20|PE||O|CD|打社保证明,社保缴费记录,社保缴费证明|housing,work|sfz|I,H
企业职工基本养老保险待遇申领|05|P||$|CD|办退休,领退休金,退休手续|elderly|sfz,sbjn,个人档案|H
城乡居民基本养老保险待遇申领|05|P||$|CDTV|领农保养老金,60岁领养老金,居民养老金领取|elderly|sfz,hkb|H
养老保险关系转移接续|20|P||O|CD|社保转移,养老保险转出,社保转到外地|work|sfz,参保缴费凭证
工伤认定|06|P||O|CD|工伤认定,上班受伤认定,工伤申请|work|sfz,ldht,zd,事故调查报告
劳动能力鉴定|06|P||O|C|伤残鉴定,劳动能力鉴定,工伤伤残鉴定|work|工伤认定决定书,zd
工伤保险待遇核定支付|05|P||$|CD|工伤报销,工伤赔偿,工伤待遇|work|工伤认定决定书,fp
丧葬补助金和抚恤金申领|05|P||$|CD|领丧葬费,抚恤金,退休人员去世补助|death|swxx,hkb
劳务派遣经营许可|01|E|NCRX|LDPQ|CD|劳务派遣许可证,开劳务派遣公司|permit,hire|yyzz,cs,劳务派遣管理制度
人力资源服务许可|01|E|NCRX|RLZY|CD|开职业中介,人力资源许可证,开人才中介|permit|yyzz,cs,ry
劳动人事争议仲裁|07|PE||O|CD|劳动仲裁,欠工资仲裁,告公司,被辞退仲裁|work|仲裁申请书,zj
劳动保障监察投诉受理|20|P||O|CD|讨薪,欠工资投诉,老板不发工资,拖欠工资|work|zj
职业技能等级认定|20|P||O|C|考技能证,技能等级证书,职业技能鉴定|work|sfz,xl
创业担保贷款申请|20|PE||O|CD|创业贷款,贴息贷款,创业贴息|work,start|sfz,营业执照或创业项目说明
就业困难人员认定|06|P||O|CD|就业困难认定,就业援助|work|sfz,jysy
灵活就业人员社会保险补贴|05|P||$|CD|灵活就业补贴,4050补贴,社保补贴|work|sfz,sbjn
企业吸纳就业补贴|05|E||$|CD|招工补贴,吸纳就业补贴,招人补贴|hire|yyzz,ldht,sbjn
失业保险稳岗返还|05|E||$|CD|稳岗补贴,失业保险返还,稳岗返还|hire|yyzz,sbjn
职业技能提升补贴|05|P||$|CD|考证补贴,技能补贴,职业资格证补贴|work|sfz,技能证书
特殊工时工作制审批|01|E||O|CD|综合工时审批,不定时工作制,特殊工时|hire|yyzz,工时制度方案,职工意见
高校毕业生就业报到|20|P||O|C|毕业生报到,派遣报到,报到证|school,work|毕业证书,就业协议书|I
流动人员人事档案管理服务|20|P||O|CD|档案存放,人事档案转递,存档案|work|sfz,调档函|I
就业失业登记受理|20|P||O|TV|失业登记,找工作登记,登记找工作|work|sfz|I
""",
    "yb": """
城乡居民基本医疗保险参保登记|20|P||O|CDTV|交医保,居民医保参保,新农合,农村医保|medical,birth|sfz,hkb|I,H
职工基本医疗保险参保登记|20|E||O|CD|员工医保,单位医保,单位交医保|hire|yyzz,ldht|I
异地就医备案|20|P||O|CD|异地就医,外地看病报销备案,异地备案|medical|sfz,sbk|I,H
门诊慢特病待遇认定|06|P||O|CD|慢性病认定,办慢病卡,特殊病认定,门特|medical|sfz,zd,病历资料|H
医疗费用手工报销|05|P||$|CD|医药费报销,住院报销,回来报销,零星报销|medical|sfz,fp,zd|H
生育保险待遇核定支付|05|P||$|CD|生育津贴,生孩子报销,生育报销|birth|sfz,csyx,fp|H
基本医疗保险关系转移接续|20|P||O|CD|医保转移,医保转到外地|medical|sfz,参保凭证
医保参保缴费证明打印|20|PE||O|CD|医保缴费证明,医保证明|medical|sfz|I
定点医药机构申请确认|06|E||O|C|申请医保定点,药店医保定点,诊所医保定点|permit|yyzz,执业许可证,zd_zd
新生儿参保登记|20|P||O|CD|宝宝交医保,新生儿医保,小孩交医保|birth|csyx,hkb|I,H
医疗救助申请受理|20|P||O|DTV|大病救助申请,医疗救助,看病救助|medical,relief|sfz,fp,dbxx
""",
    "wj": """
居民健康档案建立|20|P||O|TV|建健康档案,健康档案|medical|sfz|I
老年人健康体检|20|P||O|TV|老人免费体检,65岁体检|elderly,medical|sfz|I
家庭医生签约服务|20|P||O|TV|签家庭医生,家庭医生,家庭医生签约|medical|sfz|I,H

出生医学证明首次签发|20|P||CSYX|CD|办出生证,出生证明,开出生证|birth|父母身份证件,分娩记录|I,H
出生医学证明补发和换发|20|P||CSYX|CD|出生证丢了,补出生证,换出生证|birth|sfz,ss
医师执业注册|01|P|NCX|YSZY|CD|医生执业注册,医生变更执业地点,医师注册|work|医师资格证书,tj,zp
护士执业注册|01|P|NCRX|HSZY|CD|护士证注册,护士延续注册,护士执业证|work|护士执业资格考试成绩合格证明,tj,zp
医疗机构执业登记|01|E|NCRX|YLJG|CD|开诊所办证,医疗机构执业许可证,开医院|permit|医疗机构设置批准书,ry,pm,zd_zd
诊所备案|10|PE|NCX|F|CD|开诊所备案,诊所备案,个体诊所|permit|ry,cs,pm|I
医疗机构设置审批|01|E||O|CD|开医院审批,医疗机构设置,办医院|permit|设置可行性研究报告,选址报告
公共场所卫生许可|01|E|NCRX|WSXK|CD|卫生许可证,开理发店办卫生证,宾馆卫生许可证,美容院卫生证|permit|cs,jkzm,pm|H
生活饮用水供水单位卫生许可|01|E|NCRX|O|CD|供水卫生许可证,水厂卫生许可|permit|水质检验报告,jkzm
放射诊疗许可|01|E|NCRX|O|CD|放射许可证,拍片机许可|permit|放射诊疗设备清单,ry
母婴保健技术服务执业许可|01|E|NCRX|O|CD|母婴保健许可,产科资质|permit|ry,sb
生育登记服务|20|P||O|CDTV|生育登记,准生证,生二胎登记,办生育服务证|birth|sfz,jhz|I,H
计划生育家庭特别扶助金给付|05|P||$|D|失独家庭补助,特扶金|elderly|sfz,hkb
农村部分计划生育家庭奖励扶助金给付|05|P||$|D|独生子女奖励,计生奖励,农村奖扶|elderly|sfz,hkb
计划生育奖励扶助申请受理|20|P||O|TV|独生子女奖励申请,奖扶申请|elderly|sfz,hkb
预防接种证补办|20|P||O|CD|疫苗本丢了,补打疫苗本,接种本补办|birth|sfz,ss|I
从业人员预防性健康检查|20|P||O|CD|办健康证,体检办健康证,食品健康证|work|sfz|H
居民死亡医学证明书签发|20|P||O|CD|开死亡证明,死亡证明|death|sfz,hkb|I
""",
    "jy": """
教师资格认定|01|P||JSZG|CD|考教师证,教师资格证认定,认定教师资格|work,school|sfz,xl,tj,普通话水平测试等级证书|H
民办学校设立审批|01|E|NCX|BXXK|CD|开培训学校,办民办学校,开学校|permit|学校章程,cs,ry
校外培训机构审批|01|E|NCX|BXXK|CD|开培训班审批,校外培训机构,开补习班|permit|cs,ry,收费标准说明
民办幼儿园设立审批|01|E|NCX|BXXK|D|开幼儿园,办幼儿园|permit|cs,ry,pm,卫生评价报告
义务教育招生入学|20|P||O|CD|孩子上小学报名,入学登记,上学报名,小升初|school|hkb,bdcqz,rk,bdcxx|H
中小学生转学|20|P||O|CD|转学,孩子转学,转学手续|school|xj,hkb
家庭经济困难学生资助|05|P||$|CD|助学金,贫困生补助,学生资助|school|家庭经济困难认定申请表,dbxx
生源地信用助学贷款|20|P||O|CD|助学贷款,上大学贷款,生源地贷款|school|录取通知书,hkb,sfz|H
教师资格证书补发和换发|20|P||JSZG|CD|教师资格证丢了,补教师证|work|sfz,ss
中等教育学历证明书出具|20|P||O|CD|补高中毕业证明,学历证明,毕业证丢了|school|sfz,ss|I
普通话水平测试报名|20|P||O|C|考普通话,普通话证书,普通话考试|work|sfz,zp
教师资格定期注册|10|P||F|CD|教师资格注册,教师证注册|work|jsgz,师德表现证明
随迁子女义务教育入学|20|P||O|CD|外地孩子上学,随迁子女入学,外来务工子女上学|school|jzz,hkb,ldht|H
""",
    "zj": """
建筑工程施工许可证核发|01|E|NC|SGXK|CD|施工许可证,开工许可,开工证|build|jsgcgh,施工合同,lx|H
建筑业企业资质核准|01|E|NCRX|JZZZ|PC|建筑资质,施工资质|permit|yyzz,ry,sb
房地产开发企业资质核定|01|E|NCRX|FDCKF|CD|房开资质,开发资质,房地产资质|permit|yyzz,ry
商品房预售许可|01|E|NC|O|CD|预售证,期房预售,卖期房|build|jsgcgh,sgxk,预售方案
房屋建筑工程竣工验收备案|10|E||F|CD|竣工备案,竣工验收备案|build|竣工验收报告,sgxk|I
建设工程消防设计审查|01|E||O|CD|消防设计审查,消防审图|build|消防设计文件,lx
建设工程消防验收|01|E||O|CD|消防验收|build|竣工验收报告,消防设施检测报告
建设工程消防验收备案|10|E||F|CD|消防备案,消防验收备案|build|竣工验收报告|I
城市建筑垃圾处置核准|01|E|NR|O|CD|渣土运输许可,建筑垃圾处置,渣土证|build|运输车辆清单,处置方案
燃气经营许可|01|E|NCRX|O|CD|燃气许可证,开燃气公司|permit|yyzz,ry,安全管理制度
房屋租赁登记备案|10|PE||F|CD|租房备案,房屋租赁备案,出租房备案|housing|zl,bdcqz,sfz|I,H
商品房买卖合同网签备案|10|PE||F|CD|购房合同备案,网签备案,买房网签|housing|ht,sfz|I,H
公共租赁住房保障资格审核|06|P||O|CD|申请公租房,廉租房,公租房申请|housing|srzm,hkb,bdcxx|H
城镇住房保障家庭租赁补贴|05|P||$|CD|租房补贴,住房补贴|housing|srzm,zl
建设工程质量安全监督手续办理|10|E||F|CD|质监安监手续,质量监督注册|build|sgxk,施工合同
施工图设计文件审查备案|10|E||F|CD|图审备案,施工图审查|build|tz,审查合格书
城镇污水排入排水管网许可|01|E|NCRX|O|CD|排水许可证,污水排放许可|permit|排水户内部排水管网图,水质检测报告
既有住宅加装电梯审批|20|P||O|CD|老小区加电梯,加装电梯,老楼装电梯|housing|业主同意书,加装方案
住宅专项维修资金使用|20|PE||O|CD|维修基金使用,动用维修资金,维修资金|housing|维修方案,业主表决结果
建筑施工特种作业人员操作资格|01|P|NR|O|P|建筑特种作业证,塔吊证|work|sfz,tj,pxzm
二级建造师注册|01|P|NCRX|O|P|二建注册,建造师注册|work|资格证书,ldht
农村危房改造补助|05|P||$|D|危房改造,危房补助|housing|危房鉴定报告,hkb
农村危房改造申请受理|20|P||O|TV|危房改造申请,房子危险申请改造|housing|sfz,hkb
""",
    "zrzy": """
建设用地规划许可证核发|01|E|NC|JSYDGH|CD|用地规划许可,用地规划证|build|lx,土地出让合同|H
建设工程规划许可证核发|01|E|NC|JSGCGH|CD|工程规划许可,规划许可证,规划证|build|jsydgh,tz,lx|H
乡村建设规划许可证核发|01|P||O|DT|农村盖房规划许可,乡村规划证,农村建房规划|housing|sfz,宅基地批准文件,tz
建设项目用地预审与选址意见书核发|01|E||O|PCD|用地预审,选址意见书|build|lx,项目用地界址图
建设工程规划核实|01|E||O|CD|规划验收,规划核实|build|jsgcgh,竣工测量报告
国有建设用地使用权出让|20|E||O|CD|土地出让,拿地,土地招拍挂|build|竞买申请书,yyzz
划拨用地审批|01|E||O|CD|划拨用地,划拨土地|build|lx,项目用地界址图
临时用地审批|01|E||O|CD|临时用地,临时占地|build|临时用地复垦方案,土地使用合同
采矿权登记|01|E|NCRX|O|P|采矿证,采矿权|permit|矿产资源开发利用方案,yyzz
测绘资质审批|01|E|NCRX|O|P|测绘资质,测绘资质证书|permit|ry,sb
农村村民宅基地审批|01|P||O|T|农村盖房审批,宅基地审批,盖房子批地|housing|sfz,hkb,cjzm,tz|H
农村村民建房申请受理|20|P||O|V|盖房子申请,农村建房申请,建房申请|housing|sfz,hkb
林木采伐许可证核发|01|PE||O|D|砍树审批,采伐证,伐树许可|build|林木权属证明,采伐作业设计
使用林地审核|01|E||O|PCD|使用林地审批,占用林地|build|lx,使用林地可行性报告
土地复垦方案审查|10|E||F|CD|土地复垦,复垦方案|build|土地复垦方案
""",
    "bdc": """
国有建设用地使用权及房屋所有权首次登记|06|PE||BDCQ|CD|新房办证,房产证首次登记,大证|housing,build|jsgcgh,竣工验收备案证明,房屋测绘报告|$bdc
国有建设用地使用权及房屋所有权转移登记|06|PE||BDCQ|CD|二手房过户,房产过户,买二手房办证|housing|bdcqz,ht,sw,hyxx,nsxx|H,$bdc
新建商品房转移登记|06|P||BDCQ|CD|买新房办房产证,新房办证,房产证办理|housing|ht,sfz,hyxx,nsxx|H,$bdc
不动产变更登记|06|PE||BDCQ|CD|房产证改名,房产证信息变更,房产证加名字|housing|bdcqz,变更证明材料|$bdc
不动产抵押权登记|06|PE|NCX|O|CD|房子抵押,房贷抵押登记,解押,抵押注销|housing|bdcqz,主债权合同,抵押合同|I,$bdc
预告登记|06|PE|NX|O|CD|预告登记,期房预告登记|housing|ht,sfz|I
不动产更正登记|06|PE||BDCQ|CD|房产证写错更正,更正房产证|housing|bdcqz,证明登记错误的材料
不动产异议登记|06|PE|NX|O|CD|房产异议登记|housing|sfz,利害关系证明
不动产权证书补发和换发|06|PE||BDCQ|CD|房产证丢了,补办房产证,换房产证|housing|sfz,ss|$bdcbook
不动产登记资料查询|20|PE||O|CD|查房产,房产查询,打印无房证明,查名下房产|housing|sfz,?wts|I,H
地役权登记|06|PE|NCX|O|CD|地役权|housing|地役权合同,bdcqz
土地承包经营权登记|06|P|NC|O|D|土地承包经营权证,承包地确权|housing|承包合同,hkb
宅基地使用权及房屋所有权登记|06|P|NC|BDCQ|D|农村房子办证,宅基地确权,农房确权|housing|宅基地批准文件,房屋测绘报告,hkb|$bdc
继承不动产转移登记|06|P||BDCQ|CD|继承房产过户,父母房子过户,继承房子|death,housing|bdcqz,swxx,继承公证书或生效法律文书|$bdc
""",
    "gjj": """
住房公积金单位缴存登记|20|E||O|CD|单位公积金开户,公司开公积金|hire|yyzz,fddb|I
住房公积金个人账户设立|20|PE||O|CD|公积金开户,员工开公积金|hire,work|sfz,ldht|I
购买住房提取住房公积金|20|P||O|CD|买房提公积金,公积金提取,提公积金买房|housing|ht,sfz,gjjxx|I,H
租房提取住房公积金|20|P||O|CD|租房提公积金,租房取公积金|housing|sfz,bdcxx,gjjxx|I,H
离退休提取住房公积金|20|P||O|CD|退休提公积金,退休取公积金|elderly|sfz,退休证明|I
偿还购房贷款本息提取住房公积金|20|P||O|CD|还房贷提公积金,公积金还贷|housing|sfz,借款合同|I
住房公积金个人住房贷款|20|P||O|CD|公积金贷款,用公积金买房贷款,公积金贷款买房|housing|ht,sfz,hyxx,gjjxx|H
住房公积金缴存证明出具|20|PE||O|CD|公积金缴存证明,公积金证明|housing|sfz|I
住房公积金转移接续|20|P||O|CD|公积金转移,公积金转到外地|work|sfz|I
灵活就业人员缴存住房公积金|20|P||O|CD|个体户交公积金,自己交公积金|work|sfz|I
住房公积金缴存基数调整|20|E||O|CD|公积金基数调整,调整公积金|hire|工资表|I
住房公积金贷款提前还款|20|P||O|CD|公积金贷款提前还款,公积金贷款结清|housing|sfz,借款合同|I
""",
    "jt": """
道路旅客运输经营许可|01|E|NCRX|DLYS|CD|客运许可证,跑客运办证|permit|yyzz,车辆技术等级证明,安全生产管理制度
道路货物运输经营许可|01|E|NCRX|DLYS|CD|货运许可证,跑货运办证,办道路运输许可证|permit|yyzz,车辆行驶证,驾驶员从业资格证|H
道路运输证配发|01|E|NCX|DLYSZ|CD|营运证,货车营运证,办营运证|permit|xsz,车辆技术等级证明|H
道路运输从业人员从业资格证核发|01|P|NRX|CYZG|C|货运资格证,从业资格证,客运资格证|work|sfz,jsz,考试合格证明
机动车维修经营备案|10|E|NCX|F|CD|开修车店备案,汽修备案,汽修厂备案|permit|yyzz,cs,sb|I
机动车驾驶员培训经营备案|10|E|NCX|F|CD|开驾校备案,驾校备案|permit|yyzz,教练场地证明,ry
出租汽车经营许可|01|E|NCRX|O|C|出租车经营许可,出租车公司|permit|yyzz,车辆证明,经营方案
网络预约出租汽车驾驶员证核发|01|P|NR|O|C|网约车司机证,跑滴滴办证,网约车驾驶证|work|jsz,无犯罪记录证明
网络预约出租汽车运输证核发|01|E|NCX|O|C|网约车运输证,车辆办网约车证|permit|xsz,车辆技术条件证明
超限运输车辆行驶公路许可|01|E||O|CD|大件运输许可,超限车通行证,超限运输|build|xsz,运输方案
公路建筑控制区内埋设管线审批|01|E||O|CD|公路边埋管线,公路埋管审批|build|施工方案,设计图纸
涉路施工活动许可|01|E||O|CD|占用公路施工,公路施工许可|build|施工方案,交通安全保障措施
港口经营许可|01|E|NCRX|O|C|港口经营证,码头经营许可|permit|yyzz,港口设施证明
""",
    "sthj": """
建设项目环境影响报告书审批|01|E||O|PCD|环评审批,环评报告书,环评批复|build|hp,lx|H
建设项目环境影响报告表审批|01|E||O|CD|环评报告表,小项目环评,环评表|build|hp,lx|H
建设项目环境影响登记表备案|10|E||F|CD|环评登记表备案,环评登记|build|hp|I
排污许可|01|E|NCRX|PWXK|CD|排污许可证,排污证|permit|排污许可申请表,自行监测方案
危险废物经营许可|01|E|NCRX|O|P|危废经营许可证,危废许可|permit|ry,sb,hp
辐射安全许可|01|E|NCRX|O|PC|辐射安全许可证,辐射许可|permit|ry,辐射安全管理制度
防治污染设施拆除或闲置审批|01|E||O|CD|环保设施停用,环保设施拆除|permit|拆除闲置方案
夜间施工许可|01|E||O|CD|晚上施工审批,夜间施工证,夜间施工|build|sgxk,施工计划说明
""",
    "sl": """
取水许可|01|E|NCRX|QSXK|PCD|取水证,打井取水,取水许可证|permit|水资源论证报告,取水工程设计
生产建设项目水土保持方案审批|01|E||O|PCD|水保方案审批,水土保持方案|build|水土保持方案报告书,lx
河道管理范围内建设项目工程建设方案审批|01|E||O|PCD|河道内建设审批,涉河建设|build|工程建设方案,防洪评价报告
洪水影响评价类审批|01|E||O|PCD|洪评审批,洪水影响评价|build|洪水影响评价报告
河道采砂许可|01|E||O|PCD|采砂许可证,挖沙许可|permit|采砂方案,sb
农村集体经济组织修建水库审批|01|E||O|D|村里建水库,修建水库|build|水库设计文件
""",
    "nync": """
土地承包经营纠纷调解|20|P||O|TV|承包地纠纷调解,土地纠纷|housing|dy,承包合同
农村低收入人口动态监测申报|20|P||O|TV|防返贫监测申报,返贫监测|relief|sfz,hkb,srzm
脱贫人口小额信贷申请受理|20|P||O|TV|小额信贷,扶贫贷款,贴息贷款申请|work|sfz,hkb

农药经营许可|01|E|NCRX|NYJY|CD|卖农药办证,农药经营许可证,农资店办证|permit|yyzz,cs,ry|H
兽药经营许可|01|E|NCRX|O|CD|兽药许可证,卖兽药办证|permit|yyzz,cs,ry
农作物种子生产经营许可|01|E|NCRX|O|PCD|种子经营许可证,卖种子办证|permit|yyzz,cs,sb
动物防疫条件合格证核发|01|E|NCX|O|CD|养殖场防疫证,动物防疫合格证|permit|pm,防疫制度
生猪定点屠宰证书核发|01|E|NCX|O|C|屠宰许可,屠宰场许可|permit|pm,检验人员证明
拖拉机和联合收割机登记|01|P|NCX|O|CD|拖拉机上牌,收割机上牌,农机上牌|travel|sfz,购机发票,出厂合格证
拖拉机和联合收割机驾驶证核发|01|P|NR|O|CD|拖拉机驾驶证,收割机驾驶证|travel|sfz,tj,zp
农业机械购置补贴|05|PE||$|CD|农机补贴,买农机补贴,农机购置补贴|work|sfz,购机发票|H
耕地地力保护补贴|05|P||$|D|种粮补贴,耕地补贴,种地补贴|work|sfz,承包合同
耕地地力保护补贴申请受理|20|P||O|TV|种粮补贴申请,种地补贴申请|work|sfz,一卡通存折
渔业捕捞许可|01|PE|NCRX|O|CD|捕鱼证,渔船捕捞证,捕捞证|permit|渔业船舶证书,sfz
水域滩涂养殖证核发|01|PE|NCX|O|D|养殖证,鱼塘养殖证|permit|养殖水域使用证明
动物诊疗许可|01|E|NCRX|O|CD|开宠物医院办证,宠物诊所许可|permit|cs,ry,sb
肥料登记|01|E|NCR|O|P|化肥登记,肥料登记证|permit|产品检验报告
家庭农场名录登记|20|PE||O|D|家庭农场认定,家庭农场登记|start|sfz,土地流转合同
农村土地承包经营权流转合同备案|10|P||F|T|土地流转备案,流转合同备案|housing|流转合同,sfz|I
""",
    "sw": """
对外贸易经营者备案登记|10|E|NC|F|C|外贸备案,进出口权备案,进出口备案|trade|yyzz|I
单用途商业预付卡备案|10|E||F|CD|预付卡备案,办会员卡备案|permit|yyzz,资金存管协议|I
报废机动车回收拆解企业资格认定|01|E|NCX|O|P|报废车回收资质,拆车厂资格|permit|yyzz,sb,hp
成品油零售经营资格审批|01|E|NCRX|O|P|加油站经营许可,开加油站|permit|yyzz,消防验收意见,aq
拍卖业务许可|01|E|NCX|O|P|拍卖许可证,开拍卖公司|permit|yyzz,ry
再生资源回收经营者备案|10|E||F|CD|废品回收备案,开废品站备案|permit|yyzz,cs|I
""",
    "wl": """
娱乐场所经营许可|01|E|NCRX|YLCS|CD|开KTV办证,歌舞厅许可证,娱乐经营许可证|permit|cs,pm,消防安全检查合格证明|H
互联网上网服务营业场所经营许可|01|E|NCRX|O|CD|开网吧办证,网吧许可证|permit|cs,pm,消防安全检查合格证明
营业性演出审批|01|E||O|CD|演出审批,演唱会审批,办演出|permit|演出协议,节目单
旅行社设立许可|01|E|NCX|O|PC|开旅行社,旅行社经营许可证|permit|yyzz,cs,质量保证金存款证明
导游证核发|01|P|NCR|O|P|考导游证,导游证|work|sfz,导游资格证书
出版物零售业务经营许可|01|E|NCRX|O|CD|开书店办证,出版物经营许可证|permit|yyzz,cs
印刷经营许可|01|E|NCRX|O|CD|印刷许可证,开印刷厂,开打印店办证|permit|yyzz,cs,sb
艺术品经营单位备案|10|E||F|CD|艺术品备案,画廊备案|permit|yyzz|I
文物保护单位建设控制地带内建设工程设计方案审核|01|E||O|PC|文保区建设审批,文物保护区建设|build|tz,文物影响评估报告
高危险性体育项目经营许可|01|E|NCRX|O|CD|开游泳馆办证,游泳池许可,攀岩馆许可|permit|cs,ry,救生设施清单
""",
    "tyjr": """
退役士兵安置|20|P||O|CD|退伍安置,退伍军人安置,安置工作|veteran|退出现役证明,hkb
退役军人优待证申领|20|P||YDZ|CDT|办优待证,退役军人优待证,军人优待证|veteran|sfz,zp,tyxx|I,H
伤残抚恤关系接收|20|P||O|CD|伤残抚恤转移,伤残军人关系转入|veteran|伤残证,sfz
烈士褒扬金给付|05|P||$|C|烈士抚恤,烈士褒扬金|veteran|烈士证明书,hkb
在乡复员军人定期生活补助|05|P||$|D|老复员军人补助,复员军人补助|veteran|复员证明,sfz
退役士兵自主就业一次性经济补助|05|P||$|CD|退伍费,退伍补助,自主就业补助|veteran|退出现役证明,sfz
义务兵家庭优待金给付|05|P||$|D|当兵家属优待金,义务兵优待金|veteran|入伍通知书,hkb
退役军人信息采集|20|P||O|CDT|退役军人信息登记,退伍信息采集|veteran|sfz,退出现役证明|I
光荣牌悬挂|20|P||O|DTV|挂光荣牌,光荣之家|veteran|sfz,tyxx|I
优抚对象定期抚恤补助申请受理|20|P||O|TV|优抚补助申请,抚恤补助|veteran|sfz,优抚证件
""",
    "yj": """
危险化学品经营许可|01|E|NCRX|WHJY|CD|危化品经营许可证,卖危化品办证|permit|yyzz,aq,ry
烟花爆竹经营许可|01|E|NCRX|O|CD|卖烟花办证,烟花爆竹零售许可,烟花销售许可|permit|cs,ry,aq|H
非药品类易制毒化学品生产经营备案|10|E||F|CD|易制毒备案,易制毒化学品备案|permit|yyzz,ry|I
生产安全事故应急预案备案|10|E||F|CD|应急预案备案,安全预案备案|permit|应急预案文本,评审意见|I
特种作业操作证核发|01|P|NR|O|C|电工证,焊工证,特种作业证|work|sfz,tj,xl,pxzm
非煤矿山安全生产许可|01|E|NCRX|O|P|安全生产许可证,矿山安全许可|permit|aq,ry,安全生产责任制
危险化学品安全使用许可|01|E|NCRX|O|PC|危化品使用许可,危化品使用证|permit|aq,ry
金属冶炼建设项目安全设施设计审查|01|E||O|PC|安全设施设计审查,三同时审查|build|安全设施设计,lx
""",
    "xf": """
公众聚集场所投入使用营业前消防安全检查|01|E||XFJC|CD|消防检查,开业消防审批,消防安检,开店消防检查|permit|cs,消防安全制度,cn|H
火灾事故认定|06|PE||O|CD|火灾认定,火灾事故认定书|relief|sfz,火灾损失情况说明
大型群众性活动消防安全检查|01|E||O|CD|活动消防检查,大型活动消防|permit|活动方案,消防安全方案
""",
    "yc": """
烟草专卖零售许可|01|PE|NCRX|YCLS|D|卖烟办证,烟草证,开小卖部卖烟,烟草许可证|permit|cs,sfz|H
烟草专卖品准运证核发|01|E||O|D|烟草准运证,运烟许可|permit|yyzz,购销合同
""",
    "cl": """
残疾人就业登记|20|P||O|TV|残疾人找工作,残疾人就业登记|disability,work|cjrz|I

残疾人证核发|20|P||CJRZ|CD|办残疾证,残疾人证,残疾证怎么办|disability|sfz,hkb,zp,残疾评定表|H
残疾人证换领和补领|20|P||CJRZ|CD|残疾证到期换证,残疾证丢了,换残疾证|disability|sfz,ss,cjrz
残疾人机动轮椅车燃油补贴|05|P||$|CD|残疾人燃油补贴,残疾人车补|disability|cjrz,jsz,xsz
残疾儿童康复救助|05|P||$|CD|残疾孩子康复补助,孤独症儿童康复,残疾儿童康复|disability,birth|cjrz,hkb,zd
残疾人辅助器具适配|20|P||O|CD|申请轮椅,辅助器具,残疾人辅具|disability|cjrz,sfz|I
按比例安排残疾人就业审核|06|E||O|CD|残疾人就业年审,残疾人就业审核|hire|yyzz,cjrxx,ldht
残疾人证办理申请受理|20|P||O|TV|残疾证申请,办残疾证申请|disability|sfz,hkb,zp
""",
    "sw_tax": """
新办纳税人涉税事项办理|20|PE||O|CD|新办企业税务报到,税务登记,新公司报税|start,tax|yyzz,fddb,银行账户信息|I,H
增值税一般纳税人登记|06|E||O|CD|一般纳税人认定,转一般纳税人|tax|yyzz|I
发票领用|20|E||O|CD|领发票,申领发票,买发票|tax|yyzz,经办人身份证件|I,H
代开发票|20|PE||O|CD|代开发票,个人开发票,开发票|tax|sfz,合同或收款证明|I,H
增值税纳税申报|04|E||O|CD|报税,增值税申报,每月报税|tax|财务报表|I
个人所得税综合所得汇算清缴|04|P||O|CD|个税汇算,个税退税,退个税|tax|sfz,收入证明|I,H
契税申报|04|P||O|CD|买房交契税,契税,交契税|housing,tax|ht,sfz,bdcxx|I,H
车辆购置税申报|04|PE||O|CD|交购置税,车辆购置税,新车交税|travel,tax|购车发票,车辆合格证|I
灵活就业人员社会保险费申报缴纳|04|P||O|CD|交社保费,个人交社保,灵活就业交社保|work,tax|sfz|I,H
城乡居民社会保险费缴纳|04|P||O|CDT|交居民医保费,交农保费|medical,tax|sfz|I
完税证明开具|20|PE||O|CD|开完税证明,个税证明,纳税证明|tax|sfz|I
清税证明出具|20|E||O|CD|税务注销,清税,公司注销清税|close,tax|yyzz,注销决议|H
跨区域涉税事项报告|20|E||O|CD|外经证,跨区域报验,外出经营|tax|yyzz,合同|I
出口退税备案|20|E||O|CD|出口退税,退税备案|trade,tax|yyzz,对外贸易经营者备案登记表
纳税信用修复|20|E||O|CD|纳税信用修复,信用修复|tax|修复申请书,cn
非正常户解除|20|E||O|CD|非正常户解除,税务非正常|tax|yyzz
残疾人就业保障金申报|04|E||O|CD|残保金申报,残疾人保障金|tax,hire|工资总额情况|I
印花税申报|04|PE||O|CD|印花税,交印花税|tax|合同|I
税收优惠备案|20|E||O|CD|减免税备案,税收优惠|tax|优惠资格证明|I
""",
    "fgw": """
企业投资项目核准|01|E||O|PC|项目核准,投资项目核准|build|项目申请报告,lx
企业投资项目备案|10|E|NC|F|CD|项目备案,投资备案,企业项目备案|build|yyzz,项目基本情况|I,H
政府投资项目可行性研究报告审批|01|E||O|CD|可研批复,可研审批|build|可行性研究报告
固定资产投资项目节能审查|01|E||O|PC|能评,节能审查,节能报告审查|build|节能报告,lx
价格认定|06|PE||O|CD|价格认定,涉案物品价格认定|relief|价格认定协助书,zj
招标方案核准|01|E||O|CD|招标核准,招标方案|build|招标方案,lx
""",
    "jx": """
民用爆炸物品生产许可|01|E|NCRX|O|P|民爆生产许可,民爆许可|permit|aq,ry
企业技术中心认定|06|E||O|PC|技术中心认定,企业技术中心|start|技术中心建设情况报告
专精特新中小企业认定|06|E||O|P|专精特新认定,小巨人认定|start|企业发展情况报告
技术改造项目备案|10|E||F|CD|技改备案,技改项目备案|build|项目基本情况|I
""",
    "kj": """
高新技术企业认定|06|E||O|P|高企认定,高新认定,高新技术企业|start|知识产权证明,研发费用专项审计报告
科技型中小企业评价|20|E||O|P|科技型中小企业入库,科小评价|start|企业基本信息表
技术合同认定登记|06|E||O|C|技术合同登记,技术合同认定|tax|技术合同文本
外国人来华工作许可|01|PE|NCRX|O|C|外国人工作证,外籍员工工作许可,外国人工作许可|hire,trade|护照,学历证明,ldht
科学技术奖评审|08|PE||O|PC|科技进步奖,申报科技奖|work|推荐书,成果证明材料
""",
    "sf": """
法律援助申请|20|P||O|CD|法律援助,请免费律师,打官司没钱请律师|relief|sfz,经济困难状况说明,zj|H
律师执业许可|01|P|NCX|LSZY|P|律师证,律师执业证|work|法律职业资格证书,实习鉴定材料
基层法律服务工作者执业核准|01|P|NCX|O|C|法律服务工作者执业证|work|sfz,xl
人民调解申请|20|P||O|CDTV|申请调解,邻里纠纷调解,调解矛盾|relief|dy,sfz|I
司法鉴定机构许可|01|E|NCX|O|P|司法鉴定机构许可,司法鉴定资质|permit|ry,sb
公共法律服务咨询|20|P||O|TV|法律咨询,问法律问题,免费法律咨询|relief||I
""",
    "cz": """
代理记账机构设立审批|01|E|NCX|O|CD|代账公司审批,代理记账许可,开代账公司|permit|yyzz,ry,cs
政府采购投诉处理|07|E||O|PC|政府采购投诉,采购投诉|relief|投诉书,zj
""",
    "cg": """
城市建筑物设施上悬挂张贴宣传品审批|01|E||O|CD|挂横幅审批,贴广告审批,挂宣传横幅|permit|悬挂位置示意图,宣传品样稿
设置大型户外广告审批|01|E|NCRX|O|CD|户外广告审批,招牌审批,装门头审批,店招审批|permit|设计效果图,cs|H
城市道路挖掘审批|01|E||O|CD|挖路审批,道路开挖,开挖路面|build|施工方案,交通组织方案
临时占用城市道路审批|01|PE||O|CD|占道审批,占道经营,临时占道|permit|占道位置示意图|I
城市树木砍伐迁移审批|01|PE||O|CD|城区砍树审批,城市树木迁移,移树|build|树木位置图,补植方案
城市生活垃圾经营性清扫收集运输服务审批|01|E|NCRX|O|CD|垃圾清运许可,垃圾运输许可|permit|yyzz,车辆清单
依附于城市道路建设各种管线杆线审批|01|E||O|CD|管线审批,架设杆线|build|设计图纸,施工方案
""",
    "rf": """
应建防空地下室的民用建筑项目报建审批|01|E||O|CD|人防报建,人防审批|build|jsgcgh,人防设计文件|H
人民防空工程拆除审批|01|E||O|CD|拆人防工程,人防拆除|build|拆除方案
防空地下室易地建设审批|01|E||O|CD|人防易地建设,易地建设审批|build|lx,易地建设申请说明
人民防空工程竣工验收备案|10|E||F|CD|人防验收备案,人防竣工备案|build|竣工验收报告|I
""",
    "da": """
档案查询利用|20|PE||O|PCD|查档案,档案查询,调档,查历史档案|work|sfz,?wts|I,H
婚姻登记档案查询|20|P||O|CD|查结婚登记档案,婚姻档案|marriage|sfz|I
知青档案查询|20|P||O|CD|知青档案,下乡档案,查知青档案|elderly|sfz|I
""",
    "sjzy": """
12345热线诉求受理|20|PE||O|C|打12345,投诉建议,政府热线,市长热线|relief||I,H
政府信息公开申请|20|PE||O|PCD|申请信息公开,政府信息公开申请,依申请公开|relief|sfz|H
政务数据开放申请|20|E||O|PC|申请政府数据,数据开放,公共数据开放|start|数据使用用途说明
""",
    "zwfw": """
政务服务帮办代办|20|PE||O|CDTV|帮办代办,找人代办,代办服务,不会办找人帮|start|sfz|I,H
办事结果邮寄送达|20|PE||O|CD|证照邮寄,快递送证,寄送结果|start|sfz|I
政务服务好差评投诉处理|20|PE||O|CD|差评投诉,办事不满意投诉|relief|zj|I
""",
}
